import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomically } from '../config/atomic-file.js';
import { Failure } from '../failure.js';
import { randomId } from '../core/events/payload.js';
import { chaosSchema } from './chaos.js';

const storedWebhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  secret: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  /** The emulator's: this webhook's own chaos, in place of the emulator's (absent: the emulator's). */
  chaos: chaosSchema.optional(),
});
export type StoredWebhook = z.infer<typeof storedWebhookSchema>;

const fileSchema = z.object({ webhooks: z.array(storedWebhookSchema) });

/** The emulator's registrations, kept in memory and written atomically to a file on every change. */
export class WebhookStore {
  private constructor(
    private readonly file: string | undefined,
    private readonly webhooks: Map<string, StoredWebhook>,
  ) {}

  /** Opens the store; `file` undefined keeps everything in memory. */
  static async open(file: string | undefined): Promise<WebhookStore> {
    const webhooks = new Map<string, StoredWebhook>();
    if (file) {
      let text: string | undefined;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new Failure('emulator-data-unreadable', { file, detail: (error as Error).message });
      }
      if (text !== undefined) {
        let parsed: z.infer<typeof fileSchema>;
        try {
          parsed = fileSchema.parse(JSON.parse(text));
        } catch {
          throw new Failure('emulator-data-damaged', { file });
        }
        for (const webhook of parsed.webhooks) webhooks.set(webhook.id, webhook);
      }
    }
    return new WebhookStore(file, webhooks);
  }

  list(): StoredWebhook[] {
    return [...this.webhooks.values()];
  }

  get(id: string): StoredWebhook | undefined {
    return this.webhooks.get(id);
  }

  async create(
    input: Pick<StoredWebhook, 'url' | 'events' | 'secret' | 'description'>,
    now: Date,
  ): Promise<StoredWebhook> {
    const at = now.toISOString();
    const webhook: StoredWebhook = {
      id: randomId('wh_', 20),
      ...input,
      status: 'active',
      created_at: at,
      updated_at: at,
    };
    this.webhooks.set(webhook.id, webhook);
    await this.save();
    return webhook;
  }

  async update(
    id: string,
    changes: Partial<Pick<StoredWebhook, 'url' | 'events' | 'secret' | 'description' | 'status' | 'chaos'>>,
    now: Date,
  ): Promise<StoredWebhook | undefined> {
    const current = this.webhooks.get(id);
    if (!current) return undefined;
    const next = { ...current, ...changes, updated_at: now.toISOString() };
    this.webhooks.set(id, next);
    await this.save();
    return next;
  }

  /** Sets a webhook's own chaos (undefined: back to the emulator's); not a change the API's webhook object shows. */
  async setChaos(id: string, chaos: StoredWebhook['chaos']): Promise<StoredWebhook | undefined> {
    const current = this.webhooks.get(id);
    if (!current) return undefined;
    const { chaos: _old, ...rest } = current;
    const next = chaos === undefined ? rest : { ...rest, chaos };
    this.webhooks.set(id, next);
    await this.save();
    return next;
  }

  async delete(id: string): Promise<boolean> {
    const existed = this.webhooks.delete(id);
    if (existed) await this.save();
    return existed;
  }

  private async save(): Promise<void> {
    if (!this.file) return;
    // It holds signing secrets. (The modes do nothing on Windows, which has none; %LOCALAPPDATA% is the user's own.)
    await writeFileAtomically(this.file, `${JSON.stringify({ webhooks: this.list() }, null, 2)}\n`, 0o600);
  }
}

/** A webhook as the API shows it: everything but the secret (and the emulator's own chaos, which has a route of its own). */
export function publicWebhook({
  secret: _secret,
  chaos: _chaos,
  ...rest
}: StoredWebhook): Omit<StoredWebhook, 'secret' | 'chaos'> {
  return rest;
}
