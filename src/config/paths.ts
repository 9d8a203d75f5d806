import { posix, win32 } from 'node:path';

/** The environment, injected so that tests never touch the real home folder. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where datachonk keeps its files. Linux and macOS: the XDG base directory spec (`~/.config`,
 * `~/.local/state`; on macOS too, as git, gh and most developer CLIs do, rather than
 * `~/Library/Application Support`). Windows: `%APPDATA%` and `%LOCALAPPDATA%`. `XDG_CONFIG_HOME` and
 * `XDG_STATE_HOME` win on every platform when set to an absolute path (`datachonk help files`, commands/help/texts.ts).
 */
export interface Paths {
  /** `$XDG_CONFIG_HOME/datachonk` (default `~/.config/datachonk`; Windows `%APPDATA%\datachonk`): config.json, secrets. */
  configDir: string;
  configFile: string;
  /** `$XDG_STATE_HOME/datachonk` (default `~/.local/state/datachonk`; Windows `%LOCALAPPDATA%\datachonk`): journals, emulator data. */
  stateDir: string;
}

/** A base folder: the first of these variables set to an absolute path, else `fallback` under the home folder. */
interface Base {
  variables: string[];
  fallback: string[];
}

const BASES: Record<'posix' | 'win32', { config: Base; state: Base }> = {
  posix: {
    config: { variables: ['XDG_CONFIG_HOME'], fallback: ['.config'] },
    state: { variables: ['XDG_STATE_HOME'], fallback: ['.local', 'state'] },
  },
  // Config roams with a Windows profile; the journal (up to 128 MiB) and the emulator's data stay local.
  win32: {
    config: { variables: ['XDG_CONFIG_HOME', 'APPDATA'], fallback: ['AppData', 'Roaming'] },
    state: { variables: ['XDG_STATE_HOME', 'LOCALAPPDATA'], fallback: ['AppData', 'Local'] },
  },
};

/**
 * The paths for this environment, home folder and platform. The platform is an input so that the rules
 * of each are tested on any machine: its own path functions (`path.win32` or `path.posix`) are used,
 * whatever the machine running this.
 */
export function resolvePaths(env: Env, homedir: string, platform: NodeJS.Platform = process.platform): Paths {
  const path = platform === 'win32' ? win32 : posix;
  const bases = BASES[platform === 'win32' ? 'win32' : 'posix'];
  // The XDG spec says a relative path is invalid and must be ignored; so is a relative %APPDATA%.
  const base = ({ variables, fallback }: Base) =>
    variables.map((name) => env[name]).find((value) => value !== undefined && path.isAbsolute(value)) ??
    path.join(homedir, ...fallback);
  const configDir = path.join(base(bases.config), 'datachonk');
  return {
    configDir,
    configFile: path.join(configDir, 'config.json'),
    stateDir: path.join(base(bases.state), 'datachonk'),
  };
}
