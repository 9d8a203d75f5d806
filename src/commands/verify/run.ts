import { readFile } from 'node:fs/promises';
import { failure, usageError } from '../../errors.js';
import { knownSecrets, SECRET_ENV, type ResolvedSecret } from '../../config/secret.js';
import { diagnoseSignature, type SignatureDiagnosis } from '../../core/signing/diagnose.js';
import { verify as verifyBody } from '../../core/signing/signature.js';
import { printResult, verdict } from '../../ui/output.js';
import { describeDifference, explainSignature } from '../../ui/signature.js';
import { multiline, writeLine } from '../../ui/style.js';
import type { Context } from '../../context.js';
import type { Action, OptionValues } from '../define.js';
import { readBody } from '../read-body.js';
import { signingSecret } from '../secret.js';
import type { VerifySpecs } from './index.js';

/**
 * `datachonk verify`: exit 0 when the signature matches the body, 1 with the cause when not. The cause
 * comes from the signature diagnosis (core/signing/diagnose.ts), in --json as `reason`, in full with --explain.
 */
const verify: Action<VerifySpecs> = async (ctx, { options }) => {
  const noBody = !options.file && Boolean(ctx.stdin.isTTY);
  if (options.signature === undefined || noBody) throw whatVerifyNeeds({ signature: !options.signature, body: noBody });
  const resolved = await signingSecret(ctx, options.secret);
  const body = await readBody(ctx, options.file, () => whatVerifyNeeds({ signature: false, body: true }));
  const expectedBody = options.expectedBody === undefined ? undefined : await readExpected(options.expectedBody);
  const result = verifyBody(resolved.secret, body, options.signature);
  if (result.ok) {
    if (ctx.output === 'json') printResult(ctx, '', { valid: true });
    verdict(ctx, true, 'the signature is valid');
    return;
  }
  const diagnosis = diagnoseSignature({
    body,
    header: options.signature,
    secrets: [resolved.secret],
    expectedBody,
    others: await knownSecrets(resolved.source, ctx.env, ctx.paths.configFile, alsoSecrets(options.alsoSecret)),
  })!;
  const { cause, hint } = explainSignature(diagnosis, expectedBody ? 'verify-expected' : 'verify');
  if (ctx.output === 'json')
    printResult(ctx, '', jsonRecord(diagnosis, { cause, hint, verifyMessage: result.message }));
  const difference =
    diagnosis.difference && expectedBody ? describeDifference(diagnosis.difference, body, expectedBody) : [];
  if (ctx.output === 'pretty' && options.explain) printExplanation(ctx, diagnosis, { resolved, options, difference });
  else if (ctx.output === 'pretty' && difference.length > 0) writeLine(ctx.stderr, multiline(difference.join('\n')));
  throw failure(`invalid signature: ${cause}`, hint);
};

/** What verify needs (the body, the signature, the secret), what of it is missing, and a verify that runs. */
function whatVerifyNeeds(missing: { signature: boolean; body: boolean }): Error {
  const lacks = [missing.body && 'no body', missing.signature && 'no --signature'].filter(Boolean).join(' and ');
  return usageError(
    `verify needs the body, its signature and the secret: ${lacks} given`,
    [
      'the body: --file <path>, or piped on stdin (the raw bytes received, before any JSON parsing)',
      'the signature: --signature sha256=… (the x-datachonk-signature header received)',
      `the secret: --secret <secret>, else $${SECRET_ENV}, else the local dev secret`,
      'for example:',
      `  printf '{"id":1}' | datachonk verify --secret whsec_test --signature "$(printf '{"id":1}' | datachonk sign --secret whsec_test)"`,
    ].join('\n'),
  );
}

function alsoSecrets(values: readonly string[]) {
  return values.map((secret, i) => ({
    secret,
    label: values.length > 1 ? `--also-secret #${i + 1}` : 'the --also-secret value',
  }));
}

async function readExpected(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw usageError(`cannot read the expected body ${file}: ${why}`);
  }
}

function jsonRecord(d: SignatureDiagnosis, words: { cause: string; hint: string; verifyMessage: string }): object {
  return {
    valid: false,
    reason: d.reason,
    verify_reason: d.verify_reason,
    message: words.verifyMessage,
    cause: words.cause,
    hint: words.hint,
    ...(d.matched_secret ? { matched_secret: d.matched_secret } : {}),
    ...(d.form ? { form: d.form } : {}),
    ...(d.algorithm ? { algorithm: d.algorithm } : {}),
    ...(d.difference ? { first_difference: d.difference } : {}),
  };
}

const SOURCES: Record<ResolvedSecret['source'], string> = {
  flag: 'the --secret value',
  env: 'the secret in DATACHONK_WEBHOOK_SECRET',
  dev: 'the local dev secret',
};

/** --explain: the cause, the code, what was checked and tried, and where the bodies differ. */
function printExplanation(
  ctx: Context,
  d: SignatureDiagnosis,
  sources: { resolved: ResolvedSecret; options: OptionValues<VerifySpecs>; difference: string[] },
): void {
  const { cause, hint } = explainSignature(d, sources.options.expectedBody ? 'verify-expected' : 'verify');
  const lines = [
    `reason:   ${d.reason}`,
    `cause:    ${cause}`,
    `fix:      ${hint}`,
    `checked:  with ${SOURCES[sources.resolved.source]}, over the ${sources.options.file ? `bytes of ${sources.options.file}` : 'bytes read from stdin'}`,
    "tried:    the header's format; whitespace in the secret; the other secrets this machine knows (the local dev secret, " +
      'DATACHONK_WEBHOOK_SECRET, the API key, --also-secret); a newline added or removed; the body re-serialized ' +
      '(compact, pretty, sorted keys, Python, PHP)' +
      (sources.options.expectedBody ? '; the expected body' : ''),
    ...sources.difference,
  ];
  writeLine(ctx.stdout, multiline(lines.join('\n')));
}

export default verify;
