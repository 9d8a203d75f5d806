import { EVENT_TYPES } from '../../core/events/catalogue.js';
import { buildProgram } from '../../program.js';
import { printResult } from '../../ui/output.js';
import { multiline } from '../../ui/style.js';
import type { Action } from '../define.js';
import { bashScript } from './bash.js';
import { fishScript } from './fish.js';
import type { Shell } from './index.js';
import { completionTree } from './tree.js';
import { zshScript } from './zsh.js';

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

/** `datachonk completion <shell>`: the script, made from every command's definition and the event registry. */
const completion: Action<Record<string, never>> = async (ctx, { args: [shell] }) => {
  const silent = { write: () => true };
  // The program as it runs, every command defined: nothing here is ever parsed or run.
  const program = await buildProgram(
    {
      version: ctx.version,
      env: ctx.env,
      stdout: silent,
      stderr: silent,
      context: () => ctx,
    },
    async () => {},
  );
  const script = SCRIPTS[shell as Shell](completionTree(program, EVENT_TYPES));
  // Our own text, lines and all: only its layout is kept as is (escapeControls would show a newline as \n).
  printResult(ctx, multiline(script.trimEnd()), { type: 'completion', shell, script });
};

export default completion;
