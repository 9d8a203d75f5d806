import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliEnv, cliPaths, homePerTest } from '../helpers/cli.js';
import { windows } from '../helpers/platform.js';

const t = homePerTest('datachonk-e2e-pipe-');

describe('output into a pipe', () => {
  // Windows: no `sh`, `sleep` or `wc` to make the slow reader with.
  it.skipIf(windows)(
    'is never cut short: every line of a long `events list --json` reaches a slow reader',
    async () => {
      const journal = join(cliPaths(t.home).stateDir, 'events.ndjson');
      await mkdir(join(journal, '..'), { recursive: true });
      const count = 3000;
      const lines = Array.from({ length: count }, (_, i) =>
        JSON.stringify({
          type: 'request',
          rid: `rcv_${i}`,
          received_at: '2026-11-29T10:00:00.000Z',
          method: 'POST',
          path: '/webhooks/datachonk',
          headers: {},
          body: Buffer.from('{"padding":"' + 'x'.repeat(200) + '"}').toString('base64'),
          verification: { status: 'valid' },
          targets: [],
          event: 'chonk.created',
          event_id: `evt_${i}`,
          response_status: 200,
        }),
      );
      await writeFile(journal, `${lines.join('\n')}\n`);
      // The reader starts reading only after a while, so the pipe fills and the writer must wait for it
      // (a process.exit() before stdout drained used to drop what was still queued).
      const shell = spawn(
        'sh',
        ['-c', `"${process.execPath}" "${BIN}" --json events list --limit 5000 | (sleep 1; wc -l)`],
        {
          env: cliEnv(t.home),
        },
      );
      let out = '';
      shell.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve) => shell.on('close', resolve));
      expect(code).toBe(0);
      expect(Number(out.trim())).toBe(count);
    },
  );
});
