import { join } from 'node:path';

/** The environment, injected so that tests never touch the real home folder. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Where datachonk keeps its files, following the XDG base directory spec. */
export interface Paths {
  /** `$XDG_CONFIG_HOME/datachonk` (default `~/.config/datachonk`): config.json, secrets. */
  configDir: string;
  configFile: string;
  /** `$XDG_STATE_HOME/datachonk` (default `~/.local/state/datachonk`): journals, emulator data. */
  stateDir: string;
}

export function resolvePaths(env: Env, homedir: string): Paths {
  // The spec says a relative XDG path is invalid and must be ignored.
  const base = (name: string, fallback: string) => {
    const value = env[name];
    return value && value.startsWith('/') ? value : join(homedir, fallback);
  };
  const configDir = join(base('XDG_CONFIG_HOME', '.config'), 'datachonk');
  return {
    configDir,
    configFile: join(configDir, 'config.json'),
    stateDir: join(base('XDG_STATE_HOME', join('.local', 'state')), 'datachonk'),
  };
}
