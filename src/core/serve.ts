import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Failure } from '../failure.js';

// Starting one of the tool's servers (the listener, the emulator, the inspector) on its address: a
// port that is taken or not ours to use is a Failure that says which server, never a raw EADDRINUSE.

export interface ServerAddress {
  host: string;
  /** 0: a free port. */
  port: number;
  server: 'listener' | 'emulator' | 'inspector';
}

/** Listens; resolves with the port bound. */
export function listenOn(server: Server, at: ServerAddress): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(new Failure('port-in-use', { host: at.host, port: at.port, server: at.server }));
      else if (error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL')
        reject(new Failure('cannot-listen', { host: at.host, port: at.port, server: at.server, code: error.code }));
      else reject(error);
    };
    // Kept after listening too: a later error (an accept failing for want of file descriptors) must not
    // crash the process, and rejecting a settled promise does nothing.
    server.on('error', failed);
    server.listen(at.port, at.host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** A host as it goes in a URL: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
