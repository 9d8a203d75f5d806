import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomically } from '../config/atomic-file.js';
import { deliverySchema, type Delivery } from '../core/api/schemas.js';
import { Failure } from '../failure.js';

// The emulator's delivery history: every attempt, per webhook, kept in memory for
// GET /v1/webhooks/{id}/deliveries and appended to an NDJSON file, so that it outlives a restart.

export interface HistoryOptions {
  /** Attempts kept per webhook: the oldest go first. */
  keepPerWebhook?: number;
  /** The file is rewritten with only what is kept after this many appended lines (and at every start). */
  compactEvery?: number;
  /** Whether a webhook still exists: the history of one deleted is dropped from the file at start. */
  known: (webhookId: string) => boolean;
  /** Called once when the file cannot be written; the history goes on in memory only. */
  onWriteError: (detail: string) => void;
}

export const KEPT_PER_WEBHOOK = 500;
export const COMPACT_EVERY = 5000;

export class DeliveryHistory {
  private readonly attempts = new Map<string, Delivery[]>();
  private pending: string[] = [];
  private appended = 0;
  private writing: Promise<void> | undefined;
  private readonly keep: number;
  private readonly compactEvery: number;

  private constructor(
    private file: string | undefined,
    private readonly options: HistoryOptions,
  ) {
    this.keep = options.keepPerWebhook ?? KEPT_PER_WEBHOOK;
    this.compactEvery = options.compactEvery ?? COMPACT_EVERY;
  }

  /**
   * Loads the history from `file` (undefined: in memory only): lines that do not parse (a line torn by
   * a crash) are skipped, then the file is rewritten with what is kept (mode 0600).
   */
  static async open(file: string | undefined, options: HistoryOptions): Promise<DeliveryHistory> {
    const history = new DeliveryHistory(file, options);
    if (!file) return history;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return history;
      throw new Failure('emulator-data-unreadable', { file, detail: (error as Error).message });
    }
    for (const line of text.split('\n')) {
      const delivery = parseLine(line);
      if (delivery && options.known(delivery.webhook_id)) history.remember(delivery);
    }
    history.appended = history.compactEvery;
    history.flushSoon();
    await history.settled();
    return history;
  }

  of(webhookId: string): Delivery[] {
    return [...(this.attempts.get(webhookId) ?? [])];
  }

  record(delivery: Delivery): void {
    this.remember(delivery);
    if (!this.file) return;
    this.pending.push(`${JSON.stringify(delivery)}\n`);
    this.appended++;
    this.flushSoon();
  }

  /** Drops a deleted webhook's history from memory (and from the file at its next rewrite). */
  forget(webhookId: string): void {
    this.attempts.delete(webhookId);
  }

  /** Resolves once everything recorded so far is written. */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private remember(delivery: Delivery): void {
    const list = this.attempts.get(delivery.webhook_id) ?? [];
    list.push(delivery);
    if (list.length > this.keep) list.splice(0, list.length - this.keep);
    this.attempts.set(delivery.webhook_id, list);
  }

  private flushSoon(): void {
    if (this.writing || !this.file) return;
    this.writing = this.flush(this.file)
      .catch((error: unknown) => {
        // A full disk or a folder taken away: said once, and the history goes on in memory.
        this.file = undefined;
        this.pending = [];
        this.options.onWriteError((error as Error).message);
      })
      .finally(() => {
        this.writing = undefined;
        if (this.pending.length > 0) this.flushSoon();
      });
  }

  /** Appends what is pending, or rewrites the file whole once enough has been appended since the last time. */
  private async flush(file: string): Promise<void> {
    while (this.pending.length > 0 || this.appended >= this.compactEvery) {
      if (this.appended >= this.compactEvery) {
        // Taken together with clearing `pending`: every line pending is in memory, so in this text.
        const text = [...this.attempts.values()]
          .flat()
          .sort(byTime)
          .map((d) => `${JSON.stringify(d)}\n`)
          .join('');
        this.pending = [];
        this.appended = 0;
        await writeFileAtomically(file, text, 0o600);
      } else {
        const lines = this.pending.join('');
        this.pending = [];
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        // It holds no secret, but who sends what where is the user's own business: 0600 like the store.
        await appendFile(file, lines, { mode: 0o600 });
      }
    }
  }
}

function parseLine(line: string): Delivery | undefined {
  if (!line.trim()) return undefined;
  try {
    const parsed = deliverySchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const byTime = (a: Delivery, b: Delivery) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0);
