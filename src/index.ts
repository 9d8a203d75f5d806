// The package's library entry, for Node receivers: `import { verify, constructEvent } from 'datachonk'`.
export { sign, verify, SIGNATURE_HEADER } from './core/signing/signature.js';
export type { RawBody, VerifyResult, VerifyFailureReason } from './core/signing/signature.js';
export { constructEvent, WebhookVerificationError } from './core/signing/construct-event.js';
export type { KnownWebhookEvent, UnknownWebhookEvent, ReceivedWebhookEvent } from './core/signing/construct-event.js';
export { EVENTS, EVENT_TYPES, EVENT_DESCRIPTIONS, isEventType } from './core/events/catalogue.js';
export type { EventDefinition } from './core/events/catalogue.js';
export type { EventType } from './core/events/catalogue.js';
export { webhookEventSchema, dataSchemas, validateEvent } from './core/events/schemas.js';
export type { WebhookEvent, WebhookEventOf, EventData, PayloadIssue, Envelope } from './core/events/schemas.js';
export { startListener } from './listener.js';
export type { Listener, ListenerOptions, ListenerEvent, EventMatcher } from './listener.js';
