import { z } from 'zod';

/**
 * The staff API's request bodies. Shapes and formats only: the rules that need more than one field
 * (MPAN check digit, register fits the fuel, rate periods do not overlap) are in registry.validator.ts,
 * and the ones that need the database (unknown tariff, overlapping agreement) in the service.
 */
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD').refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date');
const id = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 letters, digits, ".", "_" or "-"');
const DECIMAL_HINT = 'a decimal string, e.g. "28.34" (never a JSON number: it would lose exactness)';
const decimal = z.string({ error: DECIMAL_HINT }).regex(/^\d{1,9}(\.\d{1,9})?$/, DECIMAL_HINT);
const fuel = z.enum(['electricity', 'gas']);
const kind = z.enum(['import', 'export', 'day', 'night', 'gas']);
const category = z.enum(['A', 'B', 'C', 'D']);

const ratePeriod = {
  validFrom: day,
  validTo: day.nullable().optional(),
  exVat: decimal,
  incVat: decimal,
};

export const createTariffSchema = z.strictObject({
  tariffId: id,
  name: z.string().min(1).max(200),
  fuel,
  unitRates: z.array(z.strictObject({ registerKind: kind, ...ratePeriod })).min(1).max(200),
  standingCharges: z.array(z.strictObject(ratePeriod)).min(1).max(200),
});
export type CreateTariffRequest = z.infer<typeof createTariffSchema>;

const register = z.strictObject({
  registerId: z.enum(['S', 'EXPORT', 'DAY', 'NIGHT', 'GAS']),
  kind,
  digits: z.number().int().min(1).max(15),
  unit: z.enum(['kWh', 'm3', 'ft3x100']),
  eacKwh: decimal.nullable().optional(),
});

const meter = z.strictObject({
  meterSerial: z.string().min(1).max(20),
  installedOn: day,
  registers: z.array(register).min(1).max(8),
});

const supplyPoint = z.strictObject({
  supplyPointId: z.string().min(1).max(20),
  fuel,
  supplyStart: day,
  meters: z.array(meter).min(1).max(4),
});

export const createAccountSchema = z.strictObject({
  accountId: id,
  category,
  domestic: z.boolean(),
  vulnerable: z.boolean().default(false),
  /** A fraction: "0.05" domestic fuel and power, "0.2" business. */
  vatRate: z.string().regex(/^0(\.\d{1,4})?$/, 'a fraction below 1 as a decimal string, e.g. "0.05"'),
  /** The day the account's category (version 1) takes effect; the earliest supply start when absent. */
  effectiveFrom: day.optional(),
  supplyPoints: z.array(supplyPoint).min(1).max(8),
});
export type CreateAccountRequest = z.infer<typeof createAccountSchema>;

export const createAgreementSchema = z.strictObject({
  supplyPointId: z.string().min(1).max(20),
  tariffId: id,
  validFrom: day,
  validTo: day.nullable().optional(),
});
export type CreateAgreementRequest = z.infer<typeof createAgreementSchema>;

export const changeCategorySchema = z.strictObject({ category, effectiveFrom: day });
export type ChangeCategoryRequest = z.infer<typeof changeCategorySchema>;

export const changeEacSchema = z.strictObject({ eacKwh: decimal, effectiveFrom: day });
export type ChangeEacRequest = z.infer<typeof changeEacSchema>;
