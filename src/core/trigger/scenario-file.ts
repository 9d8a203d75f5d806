import { readdir, readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, visit, type Document } from 'yaml';
import { z } from 'zod';
import { Failure, type ScenarioIssue } from '../../failure.js';
import { closestName, isEventType, suggestEventType, type EventType } from '../events/catalogue.js';
import { parseOverridePath } from '../events/payload.js';
import { describeJsonSyntaxError, findJsonSyntaxError } from '../json-syntax.js';
import { isJsonObject, keepsText, RawNumber, type Json, type JsonObject } from '../lossless-json.js';

// A scenario: a sequence of events that belong together (one chonk created, generated, pushed),
// written as a small YAML or JSON file. The built-in ones are files too, in fixtures/scenarios/, so
// they are also the examples of the format (README.md, "Scenarios"). This module reads and checks a
// file; scenario.ts turns it into payloads.

// Resolves to <package>/fixtures/scenarios/ from both src/core/trigger/ and dist/core/trigger/.
const BUILT_IN_DIR = fileURLToPath(new URL('../../../fixtures/scenarios/', import.meta.url));

/** Most steps a scenario may have: a sequence to read, not a load test (that is `--count`). */
export const MAX_STEPS = 1000;

/** A variable: a fixed text, or a fresh id on every run (the prefix and 12 random characters). */
export type ScenarioVariable = string | { random: string };

export interface ScenarioStep {
  event: EventType;
  /** Seconds after the previous step (its `created_at`); the first step's counts from the start. */
  afterSeconds: number;
  /** Deep-merged into the fixture, like `data` given to a single event. */
  data?: JsonObject | undefined;
  /** Field path and value, in order; strings may hold `${variable}`. */
  set: [string, Json][];
  /** Where the step starts in its file. */
  line?: number | undefined;
}

export interface Scenario {
  name: string;
  description: string;
  /** The file it was read from. */
  file: string;
  builtIn: boolean;
  vars: Record<string, ScenarioVariable>;
  steps: ScenarioStep[];
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SPAN = /^(\d+)(s|m|h)$/;
/** `${name}` in a string value. */
export const VARIABLE_REFERENCE = /\$\{([^}]*)\}/g;

const stepSchema = z.strictObject({
  event: z.string({ error: 'expected an event type, e.g. generation.completed' }),
  after: z
    .union(
      [
        z.number().int().min(0),
        z.string().regex(SPAN, 'expected a time in whole seconds, minutes or hours: 2s, 1m, 1h'),
      ],
      {
        error: 'expected a time after the previous step: 2s, 1m, 1h, or a whole number of seconds',
      },
    )
    .optional(),
  data: z.record(z.string(), z.unknown(), { error: 'expected an object, deep-merged into the payload' }).optional(),
  set: z.record(z.string(), z.unknown(), { error: 'expected an object of field path: value' }).optional(),
});

const scenarioSchema = z.strictObject({
  name: z.string().regex(NAME, 'expected lowercase letters, digits and dashes').optional(),
  description: z.string().optional(),
  vars: z.record(z.string(), z.unknown(), { error: 'expected an object of name: value' }).optional(),
  steps: z
    .array(stepSchema, { error: 'expected a list of steps, each with an event' })
    .min(1, 'a scenario needs at least one step')
    .max(MAX_STEPS, `a scenario has at most ${MAX_STEPS} steps`),
});

const variableSchema = z.union(
  [
    z.string(),
    z.number(),
    z.strictObject({
      random: z.string().regex(/^[A-Za-z0-9_]*$/, 'expected an id prefix: letters, digits and _ (e.g. chonk_)'),
    }),
  ],
  { error: 'expected a text, or { random: <prefix> } for a fresh id on every run' },
);

/** Whether `--scenario` names a file (a path, or a .yaml/.yml/.json name) rather than a built-in. */
export function isScenarioFile(value: string): boolean {
  return /[\\/]/.test(value) || /\.(ya?ml|json)$/i.test(value);
}

/** The built-in scenarios, by name. */
export async function builtInScenarios(): Promise<Scenario[]> {
  const files = (await readdir(BUILT_IN_DIR)).filter((file) => file.endsWith('.yaml')).sort();
  return Promise.all(files.map((file) => readScenario(`${BUILT_IN_DIR}${file}`, true)));
}

/** A built-in scenario by name, or a scenario file by path. */
export async function loadScenario(nameOrFile: string): Promise<Scenario> {
  if (isScenarioFile(nameOrFile)) return readScenario(nameOrFile, false);
  const builtIn = await builtInScenarios();
  const found = builtIn.find((scenario) => scenario.name === nameOrFile);
  if (found) return found;
  const known = builtIn.map((scenario) => scenario.name);
  throw new Failure('scenario-unknown', { name: nameOrFile, suggestion: closestName(nameOrFile, known), known });
}

/** Reads and checks a scenario file: a failure names the file, and each problem's path and line. */
export async function readScenario(file: string, builtIn = false): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Failure('file-unreadable', {
      source: 'scenario-file',
      path: file,
      detail: code === 'ENOENT' ? 'no such file' : (error as Error).message,
    });
  }
  return parseScenario(text, { file, builtIn });
}

/** Problems shown at most, from the top of the file. */
const MAX_ISSUES = 8;

/** Parses a scenario's text (YAML, of which JSON is a part): every problem found, or the scenario. */
export function parseScenario(text: string, origin: { file: string; builtIn: boolean }): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const fail = (issues: ScenarioIssue[]): never => {
    throw new Failure('scenario-invalid', {
      file: origin.file,
      issues: issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)).slice(0, MAX_ISSUES),
    });
  };
  // A .json file is read as JSON: YAML's words for a JSON mistake ("Flow map must end with a }") lead nowhere.
  const jsonError = /\.json$/i.test(origin.file) ? findJsonSyntaxError(text) : undefined;
  if (jsonError)
    fail([{ path: '', message: `not valid JSON: ${describeJsonSyntaxError(jsonError, { short: true })}` }]);
  // "… at line 3, column 9": the line is said apart.
  if (doc.errors.length > 0)
    fail(
      doc.errors.map((error) => ({
        path: '',
        line: error.linePos?.[0].line,
        message: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
      })),
    );
  const json = documentJson(doc, fail);
  const where = (path: readonly PropertyKey[]) => ({ path: formatPath(path), line: lineOf(doc, lines, path) });
  const issues: ScenarioIssue[] = [];
  const parsed = scenarioSchema.safeParse(json);
  for (const issue of parsed.error?.issues ?? []) {
    issues.push({
      ...where(issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path),
      message: issue.message,
    });
  }
  // The rest is checked even when the shape is wrong somewhere, so that one run shows every problem.
  const raw = isRecord(json) ? json : {};
  const vars = checkVariables(isRecord(raw.vars) ? raw.vars : {}, (path, message) =>
    issues.push({ ...where(['vars', ...path]), message }),
  );
  const steps = (Array.isArray(raw.steps) ? (raw.steps as unknown[]) : []).map((step, i) => ({
    ...checkStep(isRecord(step) ? step : {}, {
      vars,
      report: (path, message) => issues.push({ ...where(['steps', i, ...path]), message }),
    }),
    line: lineOf(doc, lines, ['steps', i]),
  }));
  if (!parsed.success || issues.length > 0) fail(issues);
  const name = parsed.data!.name ?? basename(origin.file, extname(origin.file));
  return { name, description: parsed.data!.description ?? '', file: origin.file, builtIn: origin.builtIn, vars, steps };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawNumber);
}

/** The document as JSON values; yaml refuses one whose aliases would expand without bound (a "billion laughs"). */
function documentJson(doc: Document, fail: (issues: ScenarioIssue[]) => never): unknown {
  try {
    return toJson(doc);
  } catch (error) {
    return fail([{ path: '', message: (error as Error).message }]);
  }
}

type Report = (path: PropertyKey[], message: string) => void;

function checkVariables(raw: Record<string, unknown>, report: Report): Record<string, ScenarioVariable> {
  const vars: Record<string, ScenarioVariable> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!VARIABLE_NAME.test(name)) {
      report([name], 'a variable name is letters, digits and _, and does not start with a digit');
      continue;
    }
    const checked = variableSchema.safeParse(value instanceof RawNumber ? value.text : value);
    if (!checked.success) report([name], checked.error.issues[0]!.message);
    else vars[name] = typeof checked.data === 'number' ? String(checked.data) : checked.data;
  }
  return vars;
}

/** A step's event, field paths and variables checked (its shape is the schema's); what it says, read defensively. */
function checkStep(
  step: Record<string, unknown>,
  context: { vars: Record<string, ScenarioVariable>; report: Report },
): ScenarioStep {
  const { report, vars } = context;
  if (typeof step.event === 'string' && !isEventType(step.event)) {
    const suggestion = suggestEventType(step.event);
    report(['event'], `unknown event type "${step.event}"${suggestion ? `: did you mean ${suggestion}?` : ''}`);
  }
  const set = isRecord(step.set) ? Object.entries(step.set as Record<string, Json>) : [];
  for (const [key, value] of set) {
    try {
      parseOverridePath(key);
    } catch (error) {
      if (!(error instanceof Failure)) throw error;
      report(['set', key], `"${key}" is not a field path like data.chonk_name or data.files_generated.0.lines`);
    }
    checkReferences(value, vars, (path, message) => report(['set', key, ...path], message));
  }
  const data = isRecord(step.data) ? (step.data as JsonObject) : undefined;
  if (data) checkReferences(data, vars, (path, message) => report(['data', ...path], message));
  const { after } = step;
  const afterSeconds =
    typeof after === 'number' ? after : typeof after === 'string' && SPAN.test(after) ? spanSeconds(after) : 1;
  return { event: step.event as EventType, afterSeconds, data, set };
}

/** Reports each `${name}` in the strings of `value` that names no variable. */
function checkReferences(
  value: Json,
  vars: Record<string, ScenarioVariable>,
  report: Report,
  path: PropertyKey[] = [],
): void {
  if (typeof value === 'string') {
    for (const [, name] of value.matchAll(VARIABLE_REFERENCE)) {
      if (Object.hasOwn(vars, name!)) continue;
      const known = Object.keys(vars);
      const close = closestName(name!, known);
      report(
        path,
        `no variable "${name}"${close ? `: did you mean \${${close}}?` : ''} (${known.length ? `vars: ${known.join(', ')}` : 'the scenario has no vars'})`,
      );
    }
  } else if (Array.isArray(value)) value.forEach((item, i) => checkReferences(item, vars, report, [...path, i]));
  else if (isJsonObject(value))
    for (const [key, item] of Object.entries(value)) checkReferences(item, vars, report, [...path, key]);
}

function spanSeconds(text: string): number {
  const [, amount, unit] = SPAN.exec(text)!;
  return Number(amount) * { s: 1, m: 60, h: 3600 }[unit as 's' | 'm' | 'h'];
}

/** The document as JSON values, a number a double would change kept as typed (as in payload files). */
function toJson(doc: Document): unknown {
  visit(doc, {
    Scalar(_key, node) {
      const source = (node as { source?: unknown }).source;
      if (
        typeof node.value === 'number' &&
        typeof source === 'string' &&
        /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(source) &&
        keepsText(source)
      ) {
        node.value = new RawNumber(source);
      }
    },
  });
  return doc.toJS({ maxAliasCount: 100 });
}

/** `steps[1].set.data.chonk_id`: a path as a person reads it. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

/** The line of the deepest node of `path` the file has (1-based). */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let end = path.length; end >= 0; end--) {
    const node = end === 0 ? doc.contents : doc.getIn(path.slice(0, end) as unknown[], true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return undefined;
}
