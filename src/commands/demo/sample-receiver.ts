import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The sample receiver shipped in the package (examples/receiver.mjs, the README's), started in this
// process for `datachonk demo`. It is plain JavaScript for people to read and copy: loaded by its URL,
// typed here.

/** examples/receiver.mjs at the package's root (from src/ or dist/ alike). */
export const SAMPLE_RECEIVER_FILE = fileURLToPath(new URL('../../../examples/receiver.mjs', import.meta.url));

export interface ReceiverSettings {
  secret: string;
  /** Where its one line per event goes. */
  log: (line: string) => void;
}

interface SampleReceiverModule {
  createReceiver(settings: ReceiverSettings): Server;
}

/** An app the demo's listener forwards to. */
export interface RunningApp {
  /** Where it takes webhooks. */
  url: string;
  close(): Promise<void>;
}

/** Starts the sample receiver on 127.0.0.1, on a free port. */
export async function startSampleReceiver(settings: ReceiverSettings): Promise<RunningApp> {
  const { createReceiver } = (await import(pathToFileURL(SAMPLE_RECEIVER_FILE).href)) as SampleReceiverModule;
  return serve(createReceiver(settings), '/webhooks/datachonk');
}

/** Listens on 127.0.0.1 port 0; close() drops its idle keep-alive connections too. */
export async function serve(server: Server, path: string): Promise<RunningApp> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
