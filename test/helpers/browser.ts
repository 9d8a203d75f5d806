import { access, constants } from 'node:fs/promises';

// The browser tests drive an installed Chromium through playwright-core, which downloads no browser of
// its own (issue 14, item 7). DATACHONK_CHROMIUM names it; otherwise the usual places: Debian's
// chromium (which .ci/run installs), then Chrome where CI's hosted runners have it.
const CANDIDATES: Record<string, string[]> = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'],
  darwin: ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
  win32: ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe'],
};

/**
 * Chromium's flags for these tests: headless, and no background connections (update checks, sync,
 * QUIC), which a machine without network refuses, many at a time, at every start.
 */
export const LAUNCH_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The Chromium to launch; throws, saying how to install one, when there is none. */
export async function browserPath(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): Promise<string> {
  const named = env.DATACHONK_CHROMIUM;
  const candidates = named ? [named] : CANDIDATES[platform] ?? [];
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // the next one
    }
  }
  const where = named ? `DATACHONK_CHROMIUM=${named} is not an executable` : `no Chromium at ${candidates.join(', ') || '(no default on this platform)'}`;
  throw new Error(`The browser tests need Chromium or Chrome: ${where}. Install it (Debian/Ubuntu: \`sudo apt-get install chromium\`; `
    + 'macOS and Windows: Google Chrome) or set DATACHONK_CHROMIUM to its executable.');
}
