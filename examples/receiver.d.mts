import type { Server } from 'node:http';

/** An HTTP server that takes DataChonk's signed POSTs at /webhooks/datachonk (see receiver.mjs). */
export function createReceiver(options: { secret: string; log?: (line: string) => void }): Server;
