import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

// Each running `datachonk listen` leaves a note in the state folder (`listeners/<pid>.json`) with
// the URLs it receives on, removed when it stops. Other commands on the same machine read them to
// know what a listener is running: `webhooks rotate-secret` warns when it changes the secret of a
// webhook that points at one. A note whose process is gone (a SIGKILLed listener) is ignored.

const noteSchema = z.object({
  pid: z.number().int(),
  url: z.string(),
  public_url: z.string().optional(),
  started_at: z.string(),
});
export type ListenerNote = z.infer<typeof noteSchema>;

/** Writes this listener's note; the returned function removes it. */
export async function announceListener(dir: string, note: ListenerNote): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${note.pid}.json`);
  await writeFile(file, `${JSON.stringify(note)}\n`, { mode: 0o600 });
  return () => rm(file, { force: true });
}

/** The notes of listeners that are still running. */
export async function runningListeners(dir: string, isAlive: (pid: number) => boolean): Promise<ListenerNote[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const notes = await Promise.all(
    names
      .filter((name) => name.endsWith('.json'))
      .map(async (name) => {
        try {
          const note = noteSchema.safeParse(JSON.parse(await readFile(join(dir, name), 'utf8')));
          return note.success && isAlive(note.data.pid) ? note.data : undefined;
        } catch {
          return undefined;
        }
      }),
  );
  return notes.filter((note) => note !== undefined);
}

/** The running listener that `url` reaches, if any: the same origin and path as its local or public URL. */
export function listenerAt(notes: readonly ListenerNote[], url: string): ListenerNote | undefined {
  const key = urlKey(url);
  return key === undefined
    ? undefined
    : notes.find((note) => [note.url, note.public_url].some((u) => u !== undefined && urlKey(u) === key));
}

function urlKey(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname === 'localhost' || parsed.hostname === '[::1]' ? '127.0.0.1' : parsed.hostname;
    return `${parsed.protocol}//${host}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}
