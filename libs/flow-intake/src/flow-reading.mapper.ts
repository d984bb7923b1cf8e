import type { D0010Reading } from '@surge/industry-flow/d0010.events';
import type { MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';
import { canonicalReadingValue } from '@surge/meter-domain/reading-value.parser';
import { parseRegisterId } from '@surge/meter-domain/register.model';
import type { RegisterState } from '@surge/registry-contracts/register-state.projection';
import { flowReadingId } from './flow-id';
import type { FlowReadingIdHasher } from './flow-reading-id.hasher';
import type { FlowRejection } from './flow.model';

/** What a match needs of a register: its account and digits (RegisterState has them). */
export type RegisterMatch = Pick<RegisterState, 'accountId' | 'digits'>;

/** How the registry is asked about a register (RegistryStateFollower, or a map in tests): a Map lookup, no query. */
export type RegisterLookup = (supplyPointId: string, meterSerial: string, registerId: string) => RegisterMatch | undefined;

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

/**
 * The answers of platformRegisterId and of the serial spellings, kept: a flow repeats a handful of register
 * ids and one meter id per meter, a million times. Bounded: cleared when full.
 */
const registerIds = new Map<string, string | null>();
const serials = new Map<string, { readonly raw: string; readonly upper: string }>();

function cachedRegisterId(flowRegisterId: string): string | null {
  let id = registerIds.get(flowRegisterId);
  if (id === undefined) {
    id = platformRegisterId(flowRegisterId);
    if (registerIds.size >= 1024) registerIds.clear();
    registerIds.set(flowRegisterId, id);
  }
  return id;
}

/** The meter id as printed, without spaces (raw) and upper-cased too (the registry keeps serials so). */
let lastMeterId: string | undefined;
let lastSerials: { readonly raw: string; readonly upper: string } | undefined;

function serialsOf(meterId: string): { readonly raw: string; readonly upper: string } {
  // A meter's readings follow one another and share its id string: compared first, before any hashing.
  if (meterId === lastMeterId) return lastSerials!;
  let s = serials.get(meterId);
  if (s === undefined) {
    const raw = meterId.replace(/ /g, '');
    s = { raw, upper: raw.toUpperCase() };
    if (serials.size >= 4096) serials.clear();
    serials.set(meterId, s);
  }
  lastMeterId = meterId;
  lastSerials = s;
  return s;
}

export interface FlowContext {
  readonly flowId: string;
  /** The flow's reading ids, cheaper than flowReadingId a reading (the same ids); built once per flow. */
  readonly readingIds?: FlowReadingIdHasher;
  /** `flow-<flow id>`, made once per flow (else once a reading). */
  readonly correlationId?: string;
  /** When the flow was received: the readings' submittedAt (the start of their freshness), the same on every reprocess. */
  readonly receivedAt: string;
}

/**
 * A reading whose supply point, meter or register the registry does not know (yet): kept by flow-intake
 * (industry_flow_held), never dropped, and published once the registry has it. `reading` is the event it
 * will be, less what only the registry can say (account and digits), so its release is deterministic.
 */
export interface HeldFlowReading {
  readonly line: number;
  readonly readingId: string;
  readonly supplyPointId: string;
  readonly meterSerial: string;
  readonly registerId: string;
  readonly reasonCode: typeof UNMATCHED_SUPPLY_POINT;
  readonly message: string;
  readonly reading: PendingReading;
}

export type PendingReading = Omit<MeterReadingSubmittedV1, 'accountId' | 'digits'>;

/** The held reason of a reading the registry cannot match yet (shown in the flow's status and readings.csv). */
export const UNMATCHED_SUPPLY_POINT = 'UNMATCHED_SUPPLY_POINT';

export type MappedReading =
  | { readonly kind: 'reading'; readonly event: MeterReadingSubmittedV1 }
  | { readonly kind: 'held'; readonly held: HeldFlowReading }
  | { readonly kind: 'rejected'; readonly rejection: FlowRejection };

/**
 * One parsed 030 as the platform's reading, matched to its account through the registry; held when the
 * registry does not know its supply point, meter or register (it may learn it later: a new supplier's
 * accounts arrive after their readings); rejected only when its register id names no platform register
 * (the report's row). Deterministic: the same flow and line always make the same event, so a reprocessed
 * flow republishes identical records and the sink stores each reading once.
 */
export function mapFlowReading(reading: D0010Reading, ctx: FlowContext, lookup: RegisterLookup): MappedReading {
  const registerId = cachedRegisterId(reading.registerId);
  if (!registerId) {
    return {
      kind: 'rejected',
      rejection: {
        line: reading.line,
        mpan: reading.mpanCore,
        meterId: reading.meterId,
        registerId: reading.registerId,
        reasonCode: 'UNKNOWN_REGISTER',
        message: `Meter register id "${reading.registerId}" is not one the platform knows (S, 01, DAY/DY, NIGHT/NT, A1/EXPORT).`,
        readings: 1,
      },
    };
  }
  // The flow writes the meter id as printed (it may hold spaces); the registry keeps serials without them.
  const { raw: rawSerial, upper: serial } = serialsOf(reading.meterId);
  const readingId = ctx.readingIds ? ctx.readingIds.idOf(reading.line) : flowReadingId(ctx.flowId, reading.line);
  const hold = reading.review
    ? { reasonCode: reading.review.reasonCode, message: reading.review.message, ...(reading.review.industryCode ? { industryCode: reading.review.industryCode } : {}) }
    : undefined;
  const state = lookupHeld({ supplyPointId: reading.mpanCore, meterSerial: rawSerial, registerId }, lookup);
  const value = canonicalReadingValue(reading.value);
  const correlationId = ctx.correlationId ?? `flow-${ctx.flowId}`;
  // Built whole in the published field order (the byte-identical encoding its tests pin), no spread: a matched
  // reading is this with hold, accountId and digits added in that order; a pending one with hold only.
  const base: { -readonly [K in keyof PendingReading]: PendingReading[K] } = {
    schema: 'meter-reading.submitted.v1',
    readingId,
    supplyPointId: reading.mpanCore,
    fuel: 'electricity',
    meterSerial: serial,
    registerId,
    readAt: reading.readAt,
    value,
    unit: 'kWh',
    source: reading.source,
    channel: 'd0010',
    submittedAt: ctx.receivedAt,
    correlationId,
  };
  if (hold) base.hold = hold;
  if (state) {
    const event = base as { -readonly [K in keyof MeterReadingSubmittedV1]: MeterReadingSubmittedV1[K] };
    event.accountId = state.accountId;
    event.digits = state.digits;
    return { kind: 'reading', event };
  }
  const pending: PendingReading = base;
  return {
    kind: 'held',
    held: {
      line: reading.line,
      readingId,
      supplyPointId: reading.mpanCore,
      meterSerial: rawSerial,
      registerId,
      reasonCode: UNMATCHED_SUPPLY_POINT,
      message: `No account in the registry has supply point ${reading.mpanCore} with meter ${serial} and register ${registerId} yet; the reading is held and published as soon as the registry has it.`,
      reading: pending,
    },
  };
}

/** The held reading as it is published once the registry knows its register: the same id, the account's digits. */
export function matchedReading(pending: PendingReading, state: RegisterMatch): MeterReadingSubmittedV1 {
  return { ...pending, accountId: state.accountId, digits: state.digits };
}

/** A held reading's register, looked up again (the registry may have learnt it since). */
export function lookupHeld(held: Pick<HeldFlowReading, 'supplyPointId' | 'meterSerial' | 'registerId'>, lookup: RegisterLookup): RegisterMatch | undefined {
  const upper = held.meterSerial.toUpperCase();
  return lookup(held.supplyPointId, held.meterSerial, held.registerId) ?? (upper === held.meterSerial ? undefined : lookup(held.supplyPointId, upper, held.registerId));
}
