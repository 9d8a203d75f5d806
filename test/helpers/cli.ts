import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built binary, exactly as npm links it. */
export const BIN = fileURLToPath(new URL('../../bin/datachonk.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `datachonk` with a given HOME and no inherited config or secret, so that tests never
 * see the developer's own files.
 */
export function runCli(args: string[], options: { home: string; env?: Record<string, string>; input?: string }): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.home,
    NO_COLOR: '1',
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
