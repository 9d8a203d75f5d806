import { afterEach, describe, expect, it } from 'vitest';
import { suggestCommands } from '../../src/commands/suggest.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';

// A command that does not exist is a usage error (exit 2) that names the command meant.

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('an unknown command', () => {
  it.each([
    [['login'], "unknown command 'login'", 'did you mean "auth login"?'],
    [['logout'], "unknown command 'logout'", 'did you mean "auth logout"?'],
    [['send', 'generation.completed'], "unknown command 'send'", 'did you mean "trigger"?'],
    [['--json', 'triger', 'x'], "unknown command 'triger'", 'did you mean "trigger"?'],
    [['resend', 'evt_1'], "unknown command 'resend'", 'did you mean "events resend"?'],
    [['list'], "unknown command 'list'", 'did you mean "events list" or "webhooks list"?'],
    [['events', 'lst'], "unknown command 'events lst'", 'did you mean "events list"?'],
    [['webhooks', 'rm', 'wh_1', '--yes'], "unknown command 'webhooks rm'", 'did you mean "webhooks delete"?'],
    [['events', 'get', 'evt_1'], "unknown command 'events get'", 'did you mean "events show"?'],
    [['auth', 'whoami'], "unknown command 'auth whoami'", 'did you mean "auth status"?'],
    [['webhook', 'list'], "unknown command 'webhook'", 'did you mean "webhooks"?'],
    [['frobnicate'], "unknown command 'frobnicate'", 'run `datachonk --help` to see the commands'],
    [
      ['webhooks', 'frobnicate'],
      "unknown command 'webhooks frobnicate'",
      'run `datachonk webhooks --help` to see the commands',
    ],
  ])('%j: exit 2, %s, %s', async (args, message, hint) => {
    ctx = await testContext();
    expect(await exitCode(ctx, args)).toBe(2);
    expect(ctx.stderr.text).toBe(`error: ${message}\nhint: ${hint}\n`);
    expect(ctx.stdout.text).toBe('');
  });

  it.each([[['trigger', '--list']], [['events', 'list', '--limit', '1']], [['auth', 'status', '--api-key', 'dck_x']]])(
    '%j runs',
    async (args) => {
      ctx = await testContext();
      expect(await exitCode(ctx, args)).toBe(0);
      expect(ctx.stderr.text).not.toContain('unknown command');
    },
  );

  it('suggests a near spelling only when it is close', async () => {
    const paths = ['trigger', 'listen', 'events list', 'webhooks list'];
    expect(await suggestCommands('lisen', paths)).toEqual(['listen']);
    expect(await suggestCommands('LIST', paths)).toEqual(['events list', 'webhooks list']);
    expect(await suggestCommands('deploy', paths)).toEqual([]);
  });
});

describe('help of a subcommand', () => {
  it('help events resend shows the help of resend, as events resend --help does', async () => {
    const { testContext } = await import('../helpers/context.js');
    const { exitCode } = await import('../helpers/program.js');
    const ctx = await testContext();
    try {
      expect(await exitCode(ctx, ['help', 'events', 'resend'])).toBe(0);
      expect(ctx.stdout.text).toMatch(/^Usage: datachonk events resend \[options\] <id>/);
      ctx.stdout.chunks.length = 0;
      expect(await exitCode(ctx, ['help', 'events'])).toBe(0);
      expect(ctx.stdout.text).toMatch(/^Usage: datachonk events \[options\] \[command\]/);
    } finally {
      await ctx.cleanup();
    }
  });
});
