import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomically } from '../config/atomic-file.js';
import { Failure } from '../failure.js';
import { randomId } from '../core/events/payload.js';

const storedWebhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  secret: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type StoredWebhook = z.infer<typeof storedWebhookSchema>;

const fileSchema = z.object({ webhooks: z.array(storedWebhookSchema) });

/** The emulator's registrations, kept in memory and written atomically to a file on every change. */
export class WebhookStore {
  private constructor(private readonly file: string | undefined, private readonly webhooks: Map<string, StoredWebhook>) {}

  /** Opens the store; `file` undefined keeps everything in memory. */
  static async open(file: string | undefined): Promise<WebhookStore> {
    const webhooks = new Map<string, StoredWebhook>();
    if (file) {
      let text: string | undefined;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Failure('emulator-data-unreadable', { file, detail: (error as Error).message });
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

  async create(input: Pick<StoredWebhook, 'url' | 'events' | 'secret' | 'description'>, now: Date): Promise<StoredWebhook> {
    const at = now.toISOString();
    const webhook: StoredWebhook = { id: randomId('wh_', 20), ...input, status: 'active', created_at: at, updated_at: at };
    this.webhooks.set(webhook.id, webhook);
    await this.save();
    return webhook;
  }

  async update(id: string, changes: Partial<Pick<StoredWebhook, 'url' | 'events' | 'secret' | 'description' | 'status'>>, now: Date): Promise<StoredWebhook | undefined> {
    const current = this.webhooks.get(id);
    if (!current) return undefined;
    const next = { ...current, ...changes, updated_at: now.toISOString() };
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

/** A webhook as the API shows it: everything but the secret. */
export function publicWebhook({ secret: _secret, ...rest }: StoredWebhook): Omit<StoredWebhook, 'secret'> {
  return rest;
}
