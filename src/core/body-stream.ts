// A response body too large to hold, handed on as it arrives (issue 11, item 10: a 300 MB answer
// from the app grew the listener to 1.3 GB). Both HTTP clients (core/h1 for http, undici for https)
// keep a bounded first part of a body; given a BodyStream, they hand on the rest instead of
// dropping it, and the listener streams it to the sender.

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
