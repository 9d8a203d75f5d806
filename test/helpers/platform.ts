import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';

// What a test may take for granted depends on where it runs; CI runs the suite on Linux, macOS and
// Windows (.github/workflows/ci.yml). A test that cannot hold somewhere is skipped there with
// `it.skipIf(…)` and a one-line reason, never weakened. Windows has:
// - no POSIX file modes (chmod sets only the read-only flag; stat reports 0666 or 0777);
// - no signals between processes: a kill, whatever its signal, terminates at once (exit code null
//   or 1), so a clean exit after SIGINT/SIGTERM cannot be observed, and SIGUSR2 cannot be sent;
// - no shebang scripts run as programs: the stand-in cloudflared (a .mjs named by CLOUDFLARED_BIN)
//   cannot be spawned by name;
// - no `sh`, `sleep` or `wc`;
// - os.homedir() read from USERPROFILE, not HOME.

export const windows = process.platform === 'win32';

/**
 * The home variables of a spawned process whose home is `home`: HOME, and on Windows USERPROFILE
 * (where os.homedir() looks there, and which Windows would otherwise copy from this process), APPDATA
 * and LOCALAPPDATA (where datachonk keeps its files there), all inside `home`.
 */
export function homeEnv(home: string): Record<string, string> {
  if (!windows) return { HOME: home };
  return {
    HOME: home,
    USERPROFILE: home,
    APPDATA: join(home, 'AppData', 'Roaming'),
    LOCALAPPDATA: join(home, 'AppData', 'Local'),
  };
}

/**
 * Expects a file's or folder's POSIX permission bits to be `mode`; on Windows, which has none, expects
 * nothing (the rest of the calling test still runs there).
 */
export async function expectMode(path: string, mode: number): Promise<void> {
  if (windows) return;
  expect(`0${((await stat(path)).mode & 0o777).toString(8)}`).toBe(`0${mode.toString(8)}`);
}
