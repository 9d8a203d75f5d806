import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/config/paths.js';

// The platform is an input: each platform's rules are checked here, on whatever machine runs the tests.

describe('resolvePaths on Linux and macOS', () => {
  it.each(['linux', 'darwin'] as const)('%s: ~/.config and ~/.local/state by default', (platform) => {
    expect(resolvePaths({}, '/home/ada', platform)).toEqual({
      configDir: '/home/ada/.config/datachonk',
      configFile: '/home/ada/.config/datachonk/config.json',
      stateDir: '/home/ada/.local/state/datachonk',
    });
  });

  it.each(['linux', 'darwin'] as const)(
    '%s: an absolute XDG_CONFIG_HOME / XDG_STATE_HOME wins; a relative or Windows one is ignored',
    (platform) => {
      expect(
        resolvePaths({ XDG_CONFIG_HOME: '/xdg/config', XDG_STATE_HOME: '/xdg/state' }, '/home/ada', platform),
      ).toMatchObject({
        configFile: '/xdg/config/datachonk/config.json',
        stateDir: '/xdg/state/datachonk',
      });
      expect(
        resolvePaths({ XDG_CONFIG_HOME: 'relative/config', XDG_STATE_HOME: 'C:\\state' }, '/home/ada', platform),
      ).toMatchObject({
        configFile: '/home/ada/.config/datachonk/config.json',
        stateDir: '/home/ada/.local/state/datachonk',
      });
    },
  );

  it('ignores APPDATA and LOCALAPPDATA', () => {
    expect(resolvePaths({ APPDATA: '/appdata', LOCALAPPDATA: '/local' }, '/home/ada', 'linux').stateDir).toBe(
      '/home/ada/.local/state/datachonk',
    );
  });
});

describe('resolvePaths on Windows', () => {
  const home = 'C:\\Users\\ada';

  it('config under %APPDATA%, state under %LOCALAPPDATA%, with Windows separators', () => {
    const env = { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' };
    expect(resolvePaths(env, home, 'win32')).toEqual({
      configDir: 'C:\\Users\\ada\\AppData\\Roaming\\datachonk',
      configFile: 'C:\\Users\\ada\\AppData\\Roaming\\datachonk\\config.json',
      stateDir: 'C:\\Users\\ada\\AppData\\Local\\datachonk',
    });
  });

  it('without %APPDATA% and %LOCALAPPDATA% (or with relative ones): their usual places under the home folder', () => {
    const expected = {
      configFile: 'C:\\Users\\ada\\AppData\\Roaming\\datachonk\\config.json',
      stateDir: 'C:\\Users\\ada\\AppData\\Local\\datachonk',
    };
    expect(resolvePaths({}, home, 'win32')).toMatchObject(expected);
    expect(resolvePaths({ APPDATA: 'Roaming', LOCALAPPDATA: '' }, home, 'win32')).toMatchObject(expected);
  });

  it('an absolute XDG_CONFIG_HOME / XDG_STATE_HOME, drive letter and all, wins over %APPDATA% / %LOCALAPPDATA%', () => {
    const env = {
      XDG_CONFIG_HOME: 'D:\\xdg\\config',
      XDG_STATE_HOME: 'D:/xdg/state',
      APPDATA: 'C:\\Roaming',
      LOCALAPPDATA: 'C:\\Local',
    };
    expect(resolvePaths(env, home, 'win32')).toMatchObject({
      configFile: 'D:\\xdg\\config\\datachonk\\config.json',
      stateDir: 'D:\\xdg\\state\\datachonk',
    });
  });

  it('a relative XDG variable is ignored there too', () => {
    expect(resolvePaths({ XDG_CONFIG_HOME: 'xdg', APPDATA: 'C:\\Roaming' }, home, 'win32').configFile).toBe(
      'C:\\Roaming\\datachonk\\config.json',
    );
  });
});
