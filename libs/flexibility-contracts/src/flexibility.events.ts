import { z } from 'zod';

/**
 * The flexibility events (topics in ./flexibility.topics.ts). Versioned by `schema`; additive changes
 * only, an incompatible one makes a v2 topic. Money is whole pence as a decimal string, energy kWh as a
 * decimal string (unrounded), instants ISO 8601 UTC. Delivery is at least once: deduplicate on the id
 * each record names (`dispatchId`, `notificationId`, `creditId`, `membershipEventId`).
 */
export const DISPATCH_SCHEMA = 'flex.dispatch.v1';
export const NOTIFICATION_SCHEMA = 'flex.notification.v1';
export const EARNED_VALUE_SCHEMA = 'flex.earned-value.v1';
export const MEMBERSHIP_SCHEMA = 'flex.membership.v1';

const category = z.enum(['A', 'B', 'C', 'D']);
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);

export const deviceDecisionV1 = z.object({
  deviceId: z.string(),
  kind: z.string(),
  action: z.enum(['dispatch', 'protect']),
  reason: z.string(),
  preferenceVersion: z.number().int().nullable(),
  window: z.object({ mode: z.string(), from: z.string(), to: z.string() }).nullable(),
  resumeAt: z.string().nullable(),
  explanation: z.string(),
});

export const dispatchRecordV1 = z.object({
  schema: z.literal(DISPATCH_SCHEMA),
  /** `<eventId>:<accountId>`. */
  dispatchId: z.string(),
  eventId: z.string(),
  programmeId: z.string(),
  accountId: z.string(),
  windowStart: z.string(),
  windowEnd: z.string(),
  decidedAt: z.string(),
  devices: z.array(deviceDecisionV1),
});
export type DispatchRecordV1 = z.infer<typeof dispatchRecordV1>;

export const notificationV1 = z.object({
  schema: z.literal(NOTIFICATION_SCHEMA),
  /** `<eventId>:<accountId>:start|end`. */
  notificationId: z.string(),
  eventId: z.string(),
  accountId: z.string(),
  moment: z.enum(['start', 'end']),
  text: z.string(),
  sentAt: z.string(),
});
export type NotificationV1 = z.infer<typeof notificationV1>;

export const earnedValueV1 = z.object({
  schema: z.literal(EARNED_VALUE_SCHEMA),
  /** `<eventId>:<accountId>`: one credit per member per event, however often it is redelivered. */
  creditId: z.string(),
  eventId: z.string(),
  programmeId: z.string(),
  programmeName: z.string(),
  accountId: z.string(),
  category,
  windowStart: z.string(),
  windowEnd: z.string(),
  baselineKwh: decimal,
  actualKwh: decimal,
  deliveredKwh: decimal,
  pricePencePerKwh: decimal,
  earnedPence: z.string().regex(/^\d+$/),
  /** Where the usage came from: 'device-report' (OpenADR 3 reports posted by the member's devices). */
  source: z.enum(['device-report', 'half-hourly-readings']),
  settledAt: z.string(),
});
export type EarnedValueV1 = z.infer<typeof earnedValueV1>;

export const membershipV1 = z.object({
  schema: z.literal(MEMBERSHIP_SCHEMA),
  membershipEventId: z.string(),
  accountId: z.string(),
  change: z.enum(['enrolled', 'category-change-requested']),
  categoryFrom: category.nullable(),
  categoryTo: category.nullable(),
  reason: z.string(),
  at: z.string(),
});
export type MembershipV1 = z.infer<typeof membershipV1>;

export const encodeFlexEvent = (e: DispatchRecordV1 | NotificationV1 | EarnedValueV1 | MembershipV1): Buffer => Buffer.from(JSON.stringify(e));

/** Parses an earned-value record; throws (a ZodError) on anything else: the consumer dead-letters it. */
export const decodeEarnedValue = (value: Buffer | string): EarnedValueV1 => earnedValueV1.parse(JSON.parse(value.toString()));
