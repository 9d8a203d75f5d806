import { Failure, isFailure } from '../../failure.js';
import { buildPayload, type PayloadRecipe } from '../events/build.js';
import type { EventType } from '../events/catalogue.js';
import { loadFixture, parseOverride, parseOverridePath, randomId, type Override } from '../events/payload.js';
import { isJsonObject, type Json, type JsonObject } from '../lossless-json.js';
import { checkPayload, unknownFields, type UnknownFieldWarning } from './plan.js';
import {
  loadScenario,
  VARIABLE_REFERENCE,
  type Scenario,
  type ScenarioStep,
  type ScenarioVariable,
} from './scenario-file.js';

// A scenario's steps made into payload recipes: its variables drawn once for the run (one chonk_id
// for every step that uses it), a fresh event id per step (given when it is sent), created_at
// ascending by each step's `after`, the last step at the time of the run, and the user's overrides
// applied to every step after the step's own.

export interface ScenarioRequest {
  /** A built-in scenario's name, or a file. */
  scenario: string;
  /** `path=value` overrides for every step, in order. */
  sets: readonly string[];
  validate: boolean;
}

export interface PlannedStep {
  /** 1-based, in the scenario's order. */
  number: number;
  event: EventType;
  recipe: PayloadRecipe;
  createdAt: Date;
}

export interface ScenarioPlan {
  scenario: Scenario;
  /** The values of the scenario's variables for this run. */
  values: Record<string, string>;
  steps: PlannedStep[];
  /** Override paths that a step's event has no field for. */
  warnings: UnknownFieldWarning[];
}

/** Length of the random part of a `{ random: prefix }` variable. */
const RANDOM_LENGTH = 12;

/** Reads a scenario (built-in or file) and makes each step's recipe, checked before anything is sent. */
export async function planScenario(request: ScenarioRequest, now: Date): Promise<ScenarioPlan> {
  const overrides = request.sets.map(parseOverride);
  const scenario = await loadScenario(request.scenario);
  const values = drawVariables(scenario.vars);
  const spanSeconds = scenario.steps.reduce((sum, step) => sum + step.afterSeconds, 0);
  let at = now.getTime() - spanSeconds * 1000;
  const steps: PlannedStep[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    at += step.afterSeconds * 1000;
    const createdAt = new Date(at);
    const own = await stepRecipe(step, { scenario, index, values, createdAt });
    const recipe = { ...own, overrides: [...own.overrides, ...overrides] };
    const sample = buildPayload(recipe, { id: 'evt_check', createdAt });
    if (request.validate) checkPayload(sample, { number: index + 1, scenario: scenario.name, file: scenario.file });
    steps.push({ number: index + 1, event: step.event, recipe, createdAt });
  }
  const warnings = unknownFields(steps.map((step) => ({ template: step.recipe.template, overrides })));
  return { scenario, values, steps, warnings };
}

/** A value for each variable: its text, or a fresh id. */
export function drawVariables(vars: Record<string, ScenarioVariable>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(vars).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : randomId(value.random, RANDOM_LENGTH),
    ]),
  );
}

/** `${name}` in every string of a value replaced by the variable's value (names were checked on reading). */
export function substitute(value: Json, values: Record<string, string>): Json {
  if (typeof value === 'string') return value.replace(VARIABLE_REFERENCE, (_whole, name: string) => values[name] ?? '');
  if (Array.isArray(value)) return value.map((item) => substitute(item, values));
  if (isJsonObject(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, values)]));
  return value;
}

interface StepContext {
  scenario: Scenario;
  index: number;
  values: Record<string, string>;
  createdAt: Date;
}

/** The step's fixture, `data` and `set`, with the variables' values; a `set` that cannot apply names its step. */
async function stepRecipe(step: ScenarioStep, context: StepContext): Promise<PayloadRecipe> {
  const { values } = context;
  const overrides: Override[] = step.set.map(([key, value]) => ({
    path: parseOverridePath(key),
    value: substitute(value, values),
  }));
  const recipe: PayloadRecipe = {
    template: await loadFixture(step.event),
    patch: step.data && (substitute(step.data, values) as JsonObject),
    overrides,
  };
  try {
    buildPayload(recipe, { id: 'evt_check', createdAt: context.createdAt });
  } catch (error) {
    if (!isFailure(error, 'override-path')) throw error;
    const { facts } = error;
    const problem =
      facts.problem === 'past-the-end'
        ? `index ${facts.index} is past the end of an array of ${facts.length}`
        : `"${facts.segment}" is not an array index`;
    throw new Failure('scenario-invalid', {
      file: context.scenario.file,
      issues: [
        {
          path: `steps[${context.index}].set`,
          line: step.line,
          message: `cannot set ${facts.path} in the ${step.event} payload: ${problem}`,
        },
      ],
    });
  }
  return recipe;
}
