// A response body too large to hold, handed on as it arrives (a 300 MB answer from the app once grew
// the listener to 1.3 GB). The HTTP client (http-client.ts) keeps a bounded first part of a body;
// given a BodyStream, it hands on the rest instead of dropping it, and the listener streams it to
// the sender.

/** Reading from the connection the body comes on: paused while its reader cannot keep up. */
export interface Flow {
  pause(): void;
  resume(): void;
}

/** The head and first bytes of an answer that outgrew what is kept. */
export interface StreamedHead {
  status: number;
  /** Header names and values as received, flat: name, value, name, value… */
  headers: readonly string[];
  /** The body's first bytes: all that was kept. */
  body: Buffer;
}

/** Where a body that outgrew what is kept goes: its head and first bytes, then the rest part by part. */
export interface BodyStream {
  start(head: StreamedHead, flow: Flow): void;
  data(part: Buffer): void;
}

/** The first `max` bytes of a body, gathered part by part. */
export class KeptPrefix {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  /** Keeps what fits of `part`; returns the rest, or undefined when all of it fit. */
  take(part: Buffer): Buffer | undefined {
    const room = this.max - this.size;
    if (part.length <= room) {
      this.parts.push(part);
      this.size += part.length;
      return undefined;
    }
    if (room > 0) {
      this.parts.push(part.subarray(0, room));
      this.size = this.max;
    }
    return part.subarray(room);
  }

  body(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
  }
}
