import type { CheckReport, CheckResult, Exchange } from '../core/check/run.js';
import { SIGNATURE_HEADER } from '../core/signing/signature.js';
import { explain, signatureText, type CheckRun } from './check.js';

// `check --junit <file>`: the report as JUnit XML, which CI systems (GitHub Actions reporters,
// GitLab, Jenkins, CircleCI) read: one <testsuite> per group, one <testcase> per check, a <failure>
// with a message for each failed check, and each warning in the testcase's <system-out>. Everything
// from outside (the endpoint's answers) is escaped, and characters XML 1.0 does not allow at all (most
// C0 controls, lone surrogates, U+FFFE/U+FFFF) are written as \uXXXX text: a parser refuses them even
// as character references.

// What XML 1.0 allows: tab, newline, carriage return, and U+0020 up, but the surrogates, U+FFFE and U+FFFF.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const hex = (char: string) => `\\u${char.codePointAt(0)!.toString(16).padStart(4, '0')}`;

/** Text for an element's content. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, hex).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text for a double-quoted attribute: newlines and tabs kept as references (a parser would fold them to spaces). */
export function xmlAttribute(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The time a check took: its answers' latencies (the slowest of two sent at once). */
function timeOf(result: CheckResult): number {
  const latencies = result.exchanges.map((e) => e.answer.latencyMs);
  return result.check.endsWith('at-once') ? Math.max(0, ...latencies) : latencies.reduce((a, b) => a + b, 0);
}

/** The JUnit XML of a report: every check asked for, those the run did not reach as skipped. */
export function junitXml(report: CheckReport, run: CheckRun): string {
  const groups = [...new Set([...report.results, ...report.notRun].map((r) => r.group))];
  const count = (results: readonly CheckResult[], status: CheckResult['status']) =>
    results.filter((r) => r.status === status).length;
  const suites: string[] = [];
  let total = 0;
  for (const group of groups) {
    const results = report.results.filter((r) => r.group === group);
    const skipped = report.notRun.filter((r) => r.group === group);
    const time = results.reduce((sum, r) => sum + timeOf(r), 0);
    total += time;
    suites.push(
      `  <testsuite name="${xmlAttribute(group)}" tests="${results.length + skipped.length}" failures="${count(results, 'fail')}" errors="0" skipped="${skipped.length}" time="${seconds(time)}">`,
    );
    suites.push(
      '    <properties>',
      `      <property name="url" value="${xmlAttribute(report.url)}"/>`,
      '    </properties>',
    );
    for (const result of results) suites.push(...testcase(result, run));
    for (const { check } of skipped) {
      suites.push(
        `    <testcase classname="datachonk.check.${xmlAttribute(group)}" name="${xmlAttribute(check)}" time="0.000">`,
        '      <skipped message="not run: the run stopped before it (see the error of datachonk check)"/>',
        '    </testcase>',
      );
    }
    suites.push('  </testsuite>');
  }
  const tests = report.results.length + report.notRun.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // The time of each suite is its checks' answers added up, which runs a few at a time, so the total is their sum too.
    `<testsuites name="datachonk check" tests="${tests}" failures="${count(report.results, 'fail')}" errors="0" skipped="${report.notRun.length}" time="${seconds(total)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(result: CheckResult, run: CheckRun): string[] {
  const open = `    <testcase classname="datachonk.check.${xmlAttribute(result.group)}" name="${xmlAttribute(result.check)}" time="${seconds(timeOf(result))}"`;
  if (result.status === 'pass') return [`${open}/>`];
  const { got, hint } = explain(result, run);
  const message = `expected ${result.expected}, got ${got}${hint ? `: ${hint}` : ''}`;
  const details = [
    `sends: ${result.sends}`,
    ...result.exchanges.map(exchangeText),
    `expected: ${result.expected}`,
    ...(hint ? [`fix: ${hint}`] : []),
  ].join('\n');
  const inner =
    result.status === 'fail'
      ? `      <failure message="${xmlAttribute(message)}" type="${xmlAttribute(result.hint ?? 'fail')}">${xmlText(details)}</failure>`
      : `      <system-out>${xmlText(`warning: ${message}\n${details}`)}</system-out>`;
  return [`${open}>`, inner, '    </testcase>'];
}

function exchangeText({ request, answer }: Exchange): string {
  const sent = `sent: ${request.method} ${request.shownUrl ?? request.url}, ${signatureText(request.headers[SIGNATURE_HEADER])}, ${Buffer.byteLength(request.body)} bytes: ${request.body.slice(0, 200)}`;
  const got =
    answer.kind === 'error'
      ? `got: no answer: ${answer.message}`
      : `got: ${answer.status}: ${answer.body.slice(0, 500)}`;
  return `${sent}\n${got}`;
}
