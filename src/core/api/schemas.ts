import { z } from 'zod';

// DataChonk's API, as documented (the envelope, POST /v1/webhooks) and as this tool assumes the rest
// (datachonk-facts.md, "Not published: our assumed contract"; README, "The API contract").

export const webhookStatusSchema = z.enum(['active', 'disabled']);

export const webhookSchema = z.looseObject({
  id: z.string().min(1),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable().optional(),
  status: webhookStatusSchema.optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type Webhook = z.infer<typeof webhookSchema>;

/** A list: a bare array, or an object holding one (`webhooks`, `data` or `items`). */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.union([
    z.array(item),
    z.looseObject({ webhooks: z.array(item) }).transform((o) => o.webhooks),
    z.looseObject({ data: z.array(item) }).transform((o) => o.data),
    z.looseObject({ items: z.array(item) }).transform((o) => o.items),
  ]);

/** One delivery attempt, as the local emulator records it. */
export const deliverySchema = z.looseObject({
  id: z.string(),
  webhook_id: z.string(),
  event_id: z.string(),
  event: z.string(),
  attempt: z.number().int(),
  at: z.string(),
  status: z.number().int().nullable(),
  ok: z.boolean(),
  latency_ms: z.number(),
  error: z.string().optional(),
  next_retry_at: z.string().nullable().optional(),
  /** The emulator's chaos: what it did to this attempt (duplicate, reorder, delay, fail, timeout). */
  chaos: z.array(z.string()).optional(),
  /** The emulator's chaos: how long the first attempt was held back by a delay. */
  delay_ms: z.number().optional(),
});
export type Delivery = z.infer<typeof deliverySchema>;

export const errorEnvelopeSchema = z.looseObject({
  success: z.literal(false),
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
  meta: z.looseObject({ requestId: z.string().optional() }).optional(),
});

export const successEnvelopeSchema = z.looseObject({
  success: z.literal(true),
  data: z.unknown(),
  meta: z.looseObject({ requestId: z.string().optional() }).optional(),
});
