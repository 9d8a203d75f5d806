import { describe, expect, it } from 'vitest';
import { chooseDestination } from '../../src/core/trigger/destination.js';

const DEFAULT = 'http://127.0.0.1:4747/webhooks/datachonk';
const note = (pid: number, url: string, started = '2026-12-07T10:00:00.000Z') => ({ pid, url, started_at: started });

describe('where a trigger sends', () => {
  it('--url wins, running listeners or not', () => {
    expect(chooseDestination('http://h:1/x', [note(1, 'http://127.0.0.1:5000/w')], DEFAULT)).toEqual({
      source: 'flag',
      url: 'http://h:1/x',
    });
  });

  it('none running: the default URL; one: that one, on any port', () => {
    expect(chooseDestination(undefined, [], DEFAULT)).toEqual({ source: 'default', url: DEFAULT });
    expect(chooseDestination(undefined, [note(7, 'http://127.0.0.1:5000/w')], DEFAULT)).toEqual({
      source: 'listener',
      url: 'http://127.0.0.1:5000/w',
      pid: 7,
    });
  });

  it('several: the one on the default port, else all of them, oldest first', () => {
    const on4747 = note(8, 'http://127.0.0.1:4747/custom');
    expect(chooseDestination(undefined, [note(7, 'http://127.0.0.1:5000/w'), on4747], DEFAULT)).toEqual({
      source: 'default-port',
      url: 'http://127.0.0.1:4747/custom',
      pid: 8,
      running: 2,
    });
    const newer = note(7, 'http://127.0.0.1:5000/w', '2026-12-07T11:00:00.000Z');
    const older = note(9, 'http://127.0.0.1:6000/w', '2026-12-07T09:00:00.000Z');
    expect(chooseDestination(undefined, [newer, older], DEFAULT)).toEqual({
      source: 'several',
      urls: ['http://127.0.0.1:6000/w', 'http://127.0.0.1:5000/w'],
    });
  });
});
