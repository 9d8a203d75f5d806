import type { Context } from '../../context.js';
import { compileRecipe } from '../../core/events/build.js';
import { newEventId } from '../../core/events/payload.js';
import { drawsRandom, sendingOrder } from '../../core/trigger/order.js';
import { planScenario } from '../../core/trigger/scenario.js';
import { builtInScenarios } from '../../core/trigger/scenario-file.js';
import { warnUnknownFields } from '../../ui/payload-warnings.js';
import { printScenarios } from '../../ui/trigger.js';
import type { TriggerOptions } from './index.js';
import type { Batch, RequestMaker } from './run.js';

// `trigger --scenario` and `--list-scenarios`, loaded only for them (the yaml parser with them).

/** `trigger --list-scenarios`. */
export async function listScenarios(ctx: Context): Promise<void> {
  printScenarios(ctx, await builtInScenarios());
}

/** What a scenario's sends depend on: trigger's flags, or the demo's choice. */
export type ScenarioFlags = Pick<
  TriggerOptions,
  'scenario' | 'set' | 'validate' | 'shuffle' | 'reverse' | 'duplicate' | 'delay'
>;

/**
 * A scenario's sends: each step's request built and signed once (a fresh id, its created_at), then
 * sent in the order asked for; a duplicate is the same request again, byte for byte.
 */
export async function scenarioBatch(
  ctx: Context,
  run: { flags: ScenarioFlags; seed: number; random: () => number; requestMaker: () => Promise<RequestMaker> },
): Promise<Batch> {
  const { flags, random } = run;
  const plan = await planScenario({ scenario: flags.scenario!, sets: flags.set, validate: flags.validate }, ctx.now());
  warnUnknownFields(ctx, plan.warnings);
  const ordering = { shuffle: flags.shuffle, reverse: flags.reverse, duplicates: flags.duplicate ?? 0 };
  const sends = sendingOrder(plan.steps.length, ordering, random);
  const makeRequest = await run.requestMaker();
  const built = plan.steps.map((step) =>
    makeRequest(compileRecipe(step.recipe)({ id: newEventId(), createdAt: step.createdAt })),
  );
  const requests = sends.map((send) => ({
    ...built[send.step]!,
    step: { number: send.step + 1, repeat: send.repeat },
  }));
  const { scenario } = plan;
  return {
    total: requests.length,
    requests: () => requests.values(),
    dryRun: () => requests,
    scenario: {
      name: scenario.name,
      description: scenario.description,
      events: plan.steps.map((step) => step.event),
      order: sends.map((send) => send.step + 1),
      // Printed whenever something was drawn at random, so that a run that failed can be repeated.
      ...(drawsRandom(ordering, flags.delay) ? { seed: run.seed } : {}),
    },
  };
}
