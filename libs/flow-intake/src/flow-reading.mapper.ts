import type { D0010Reading } from '@surge/industry-flow/d0010.events';
import type { MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';
import { canonicalReadingValue } from '@surge/meter-domain/reading-value.parser';
import { parseRegisterId } from '@surge/meter-domain/register.model';
import type { RegisterState } from '@surge/registry-contracts/register-state.projection';
import { flowReadingId } from './flow-id';
import type { FlowRejection } from './flow.model';

/** How the registry is asked about a register (RegistryStateFollower, or a map in tests). */
export type RegisterLookup = (supplyPointId: string, meterSerial: string, registerId: string) => RegisterState | undefined;

/**
 * D0010 meter register ids (J0010, one or two characters) that name the platform's registers. The platform's
 * own spellings (S, 01, A1 and friends: libs/meter-domain register.ts) first; then the two-letter day/night
 * ids collectors write for Economy 7 meters.
 */
const FLOW_REGISTER_IDS: Readonly<Record<string, string>> = { DY: 'DAY', D: 'DAY', NT: 'NIGHT', N: 'NIGHT', E: 'EXPORT' };

export function platformRegisterId(flowRegisterId: string): string | null {
  const id = flowRegisterId.trim().toUpperCase();
  return parseRegisterId(id)?.id ?? FLOW_REGISTER_IDS[id] ?? null;
}

export interface FlowContext {
  readonly flowId: string;
  /** When the flow was received: the readings' submittedAt (the start of their freshness), the same on every reprocess. */
  readonly receivedAt: string;
}

export type MappedReading = { readonly ok: true; readonly event: MeterReadingSubmittedV1 } | { readonly ok: false; readonly rejection: FlowRejection };

/**
 * One parsed 030 as the platform's reading, matched to its account through the registry, or the reason it
 * cannot be (the report's row). Deterministic: the same flow and line always make the same event, so a
 * reprocessed flow republishes identical records and the sink stores each reading once.
 */
export function mapFlowReading(reading: D0010Reading, ctx: FlowContext, lookup: RegisterLookup): MappedReading {
  const reject = (reasonCode: string, message: string): MappedReading => ({
    ok: false,
    rejection: { line: reading.line, mpan: reading.mpanCore, meterId: reading.meterId, registerId: reading.registerId, reasonCode, message, readings: 1 },
  });
  const registerId = platformRegisterId(reading.registerId);
  if (!registerId) return reject('UNKNOWN_REGISTER', `Meter register id "${reading.registerId}" is not one the platform knows (S, 01, DAY/DY, NIGHT/NT, A1/EXPORT).`);
  // The flow writes the meter id as printed (it may hold spaces); the registry keeps serials without them.
  const serial = reading.meterId.replace(/ /g, '');
  const state = lookup(reading.mpanCore, serial, registerId) ?? lookup(reading.mpanCore, serial.toUpperCase(), registerId);
  if (!state) {
    return reject(
      'UNKNOWN_REGISTER',
      `No account in the registry has supply point ${reading.mpanCore} with meter ${serial} and register ${registerId}; register the meter (or correct the flow) and send the file again with a new file id.`,
    );
  }
  const event: MeterReadingSubmittedV1 = {
    schema: 'meter-reading.submitted.v1',
    readingId: flowReadingId(ctx.flowId, reading.line),
    accountId: state.accountId,
    supplyPointId: reading.mpanCore,
    fuel: 'electricity',
    meterSerial: serial.toUpperCase(),
    registerId,
    readAt: reading.readAt,
    value: canonicalReadingValue(reading.value),
    unit: 'kWh',
    source: reading.source,
    channel: 'd0010',
    submittedAt: ctx.receivedAt,
    correlationId: `flow-${ctx.flowId}`,
    digits: state.digits,
    ...(reading.review
      ? { hold: { reasonCode: reading.review.reasonCode, message: reading.review.message, ...(reading.review.industryCode ? { industryCode: reading.review.industryCode } : {}) } }
      : {}),
  };
  return { ok: true, event };
}
