import { z } from 'zod';
import { DEVICE_KINDS } from '@surge/flexibility-domain/device.model';

/** Request bodies of the flexibility API (parsed with libs/validation: 400 VALIDATION_FAILED per field). */
const id = z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'letters, digits, ".", "_", "~" and "-", at most 128');
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a London time of day HH:MM, e.g. 17:00');
const category = z.enum(['A', 'B', 'C', 'D']);
const instant = z.string().datetime({ offset: true, message: 'an ISO 8601 instant with offset, e.g. 2026-12-01T18:00:00Z' });
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a non-negative decimal string, e.g. "57.15"');

export const preferenceSchema = z
  .object({
    mode: z.enum(['allow', 'protect']),
    windows: z.array(z.object({ mode: z.enum(['allow', 'protect']), from: clock, to: clock }).strict()).max(8).default([]),
  })
  .strict();

export const enrolmentSchema = z
  .object({
    /** The member's network region (DNO area, e.g. "14"); events target regions. */
    region: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/),
    /** The account's current category as the registry holds it (the member's page passes it on). */
    category,
    devices: z
      .array(z.object({ deviceId: id, kind: z.enum(DEVICE_KINDS), name: z.string().min(1).max(80).optional(), preference: preferenceSchema.optional() }).strict())
      .min(1)
      .max(50),
  })
  .strict();
export type EnrolmentRequest = z.infer<typeof enrolmentSchema>;
export type PreferenceRequest = z.infer<typeof preferenceSchema>;

export const programmeSchema = z.object({ programmeId: id, name: z.string().min(1).max(120) }).strict();
export type ProgrammeRequest = z.infer<typeof programmeSchema>;

export const eventSchema = z
  .object({
    eventId: id,
    windowStart: instant,
    windowEnd: instant,
    target: z
      .object({ regions: z.array(z.string().min(1)).min(1).optional(), categories: z.array(category).min(1).optional(), deviceKinds: z.array(z.enum(DEVICE_KINDS)).min(1).optional() })
      .strict()
      .default({}),
    requestedKw: decimal,
    pricePencePerKwh: decimal,
  })
  .strict()
  .refine((e) => Date.parse(e.windowEnd) > Date.parse(e.windowStart), { message: 'windowEnd must be after windowStart', path: ['windowEnd'] })
  .refine((e) => Date.parse(e.windowEnd) - Date.parse(e.windowStart) <= 24 * 3600_000, { message: 'an event lasts at most 24 hours', path: ['windowEnd'] })
  // Usage is settled per half-hour: a window of whole half-hours (on the hour or half past).
  .refine((e) => Date.parse(e.windowStart) % 1_800_000 === 0, { message: 'starts on the hour or half past', path: ['windowStart'] })
  .refine((e) => Date.parse(e.windowEnd) % 1_800_000 === 0, { message: 'ends on the hour or half past', path: ['windowEnd'] });
export type EventRequest = z.infer<typeof eventSchema>;

/**
 * A device report (OpenADR 3 report, the subset we read): half-hours of USAGE in kWh per resource (the
 * member's meter or a sub-meter), for the event window and the days before it (the history our baseline
 * is computed from). A VEN's BASELINE is kept with the report as its side's figure, never paid on.
 */
export const reportSchema = z
  .object({
    reportId: id,
    deviceId: id.optional(),
    clientName: z.string().min(1).max(120).default('member-device'),
    intervals: z
      .array(
        z
          .object({
            resource: id.default('home'),
            start: instant,
            durationMinutes: z.number().int().positive().max(1440),
            usageKwh: decimal,
            baselineKwh: decimal.optional(),
            deltaKwh: z.string().regex(/^-?\d+(\.\d+)?$/).optional(),
          })
          .strict(),
      )
      .min(1)
      // 42 days of a 4-hour window's half-hours (the body limit, 64 KiB, binds first for OpenADR's verbose JSON).
      .max(2016),
  })
  .strict();
export type ReportRequest = z.infer<typeof reportSchema>;
