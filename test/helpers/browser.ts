import { access, constants } from 'node:fs/promises';

// The browser tests drive an installed Chromium through playwright-core, which downloads no browser of
// its own. DATACHONK_CHROMIUM names it; otherwise the usual places: Debian's chromium (which .ci/run
// installs), then Chrome where CI's hosted runners have it. Without one they are skipped, saying how
// to run them, unless DATACHONK_REQUIRE_BROWSER is set (.ci/run sets it): then they fail.
const CANDIDATES: Record<string, string[]> = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'],
  darwin: [
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
  ],
  win32: [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
  ],
};

/**
 * Chromium's flags for these tests: headless, and no background connections (update checks, sync,
 * QUIC), which a machine without network refuses, many at a time, at every start.
 */
export const LAUNCH_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium to launch, or why there is none (in words that say how to install one). */
export async function findBrowser(
  env: NodeJS.ProcessEnv = process.env,
  platform: string = process.platform,
): Promise<{ path: string } | { missing: string }> {
  const named = env.DATACHONK_CHROMIUM;
  const candidates = named ? [named] : (CANDIDATES[platform] ?? []);
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK);
      return { path };
    } catch {
      // the next one
    }
  }
  const where = named
    ? `DATACHONK_CHROMIUM=${named} is not an executable`
    : `no Chromium at ${candidates.join(', ') || '(no default on this platform)'}`;
  return {
    missing:
      `${where}; to run them, install Chromium or Chrome (Debian/Ubuntu: \`sudo apt-get install chromium\`; ` +
      'macOS and Windows: Google Chrome) or set DATACHONK_CHROMIUM to its executable',
  };
}

/**
 * The Chromium for this run's browser tests; undefined when there is none and none is required, after
 * saying once, on one line, that they are skipped and how to run them. Required (DATACHONK_REQUIRE_BROWSER):
 * throws instead, so that the tests fail.
 */
export async function browserForTests(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const found = await findBrowser(env);
  if ('path' in found) return found.path;
  if (env.DATACHONK_REQUIRE_BROWSER)
    throw new Error(`The browser tests must run here (DATACHONK_REQUIRE_BROWSER is set), and ${found.missing}.`);
  process.stderr.write(`browser tests skipped: ${found.missing}\n`);
  return undefined;
}
