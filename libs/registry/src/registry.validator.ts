import { type AppError, type FieldIssue, validationError } from '@surge/errors/app.error';
import { isValidMeterSerial } from '@surge/meter-domain/meter-serial.validator';
import { mpanCoreProblem } from '@surge/meter-domain/mpan.validator';
import { checkMprn } from '@surge/meter-domain/mprn.validator';
import type { CreateAccountRequest, CreateTariffRequest } from './registry.schema';

/**
 * The rules of a request that need more than one field but no database. Pure: every problem is
 * reported at once (a person fixes a file in one go), as VALIDATION_FAILED with one issue per field,
 * using the same issue codes as the read path (INVALID_MPAN, INVALID_MPRN, ...). Nothing is written
 * when any rule fails.
 */
const KINDS_BY_FUEL = { electricity: ['import', 'export', 'day', 'night'], gas: ['gas'] } as const;
const KIND_OF_REGISTER: Record<string, string> = { S: 'import', EXPORT: 'export', DAY: 'day', NIGHT: 'night', GAS: 'gas' };

export function accountProblems(req: CreateAccountRequest): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seenSp = new Set<string>();
  req.supplyPoints.forEach((sp, i) => {
    const at = `supplyPoints.${i}`;
    if (seenSp.has(sp.supplyPointId)) issues.push({ code: 'DUPLICATE', field: `${at}.supplyPointId`, message: `${at}.supplyPointId: ${sp.supplyPointId} appears twice.` });
    seenSp.add(sp.supplyPointId);
    if (sp.fuel === 'electricity') {
      const problem = mpanCoreProblem(sp.supplyPointId);
      if (problem) {
        const why = problem === 'FORMAT' ? 'is not 13 digits' : problem === 'DISTRIBUTOR' ? 'does not start with a distributor id 10 to 23' : 'fails the MPAN check digit';
        issues.push({ code: 'INVALID_MPAN', field: `${at}.supplyPointId`, message: `${at}.supplyPointId: ${sp.supplyPointId} ${why}; copy the MPAN core from a bill.` });
      }
    } else if (!checkMprn(sp.supplyPointId).valid) {
      issues.push({ code: 'INVALID_MPRN', field: `${at}.supplyPointId`, message: `${at}.supplyPointId: ${sp.supplyPointId} is not an MPRN (6 to 11 digits).` });
    }
    const seenSerial = new Set<string>();
    sp.meters.forEach((m, j) => {
      const mAt = `${at}.meters.${j}`;
      if (!isValidMeterSerial(m.meterSerial)) issues.push({ code: 'INVALID_METER_SERIAL', field: `${mAt}.meterSerial`, message: `${mAt}.meterSerial: ${m.meterSerial} is not 1 to 10 letters and digits.` });
      if (seenSerial.has(m.meterSerial)) issues.push({ code: 'DUPLICATE', field: `${mAt}.meterSerial`, message: `${mAt}.meterSerial: ${m.meterSerial} appears twice on this supply point.` });
      seenSerial.add(m.meterSerial);
      if (m.installedOn < sp.supplyStart) issues.push({ code: 'INVALID_DATE', field: `${mAt}.installedOn`, message: `${mAt}.installedOn: ${m.installedOn} is before the supply started (${sp.supplyStart}).` });
      const seenReg = new Set<string>();
      m.registers.forEach((r, k) => {
        const rAt = `${mAt}.registers.${k}`;
        const problems: string[] = [];
        if (seenReg.has(r.registerId)) problems.push(`${r.registerId} appears twice on this meter`);
        seenReg.add(r.registerId);
        if (!(KINDS_BY_FUEL[sp.fuel] as readonly string[]).includes(r.kind)) problems.push(`a ${r.kind} register cannot be on a ${sp.fuel} supply point`);
        if (KIND_OF_REGISTER[r.registerId] !== r.kind) problems.push(`register ${r.registerId} is of kind ${KIND_OF_REGISTER[r.registerId]}, not ${r.kind}`);
        if ((r.kind === 'gas') !== (r.unit !== 'kWh')) problems.push(r.kind === 'gas' ? 'a gas register reads m3 or ft3x100' : 'an electricity register reads kWh');
        for (const p of problems) issues.push({ code: 'INVALID_REGISTER', field: rAt, message: `${rAt}: ${p}.` });
      });
    });
  });
  if (req.effectiveFrom !== undefined) {
    const earliest = req.supplyPoints.map((s) => s.supplyStart).sort()[0]!;
    if (req.effectiveFrom > earliest) issues.push({ code: 'INVALID_DATE', field: 'effectiveFrom', message: `effectiveFrom: ${req.effectiveFrom} is after the earliest supply start ${earliest}; the account needs a category from its first day.` });
  }
  return issues;
}

interface Period {
  readonly validFrom: string;
  readonly validTo?: string | null | undefined;
}

/** Index pairs of periods that share a day ([from, to) half-open, to null = open-ended). */
export function overlappingPeriods(periods: readonly Period[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < periods.length; i++) {
    for (let j = i + 1; j < periods.length; j++) {
      const a = periods[i]!;
      const b = periods[j]!;
      const aEndsAfterBStarts = a.validTo == null || a.validTo > b.validFrom;
      const bEndsAfterAStarts = b.validTo == null || b.validTo > a.validFrom;
      if (aEndsAfterBStarts && bEndsAfterAStarts) out.push([i, j]);
    }
  }
  return out;
}

export function tariffProblems(req: CreateTariffRequest): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const kinds = KINDS_BY_FUEL[req.fuel] as readonly string[];
  const check = (list: readonly Period[], at: string) =>
    list.forEach((p, i) => {
      if (p.validTo != null && p.validTo <= p.validFrom) issues.push({ code: 'INVALID_RATE_PERIOD', field: `${at}.${i}.validTo`, message: `${at}.${i}.validTo: ${p.validTo} must be after validFrom ${p.validFrom}.` });
    });
  req.unitRates.forEach((r, i) => {
    if (!kinds.includes(r.registerKind)) issues.push({ code: 'INVALID_REGISTER', field: `unitRates.${i}.registerKind`, message: `unitRates.${i}.registerKind: a ${req.fuel} tariff has no ${r.registerKind} rate.` });
  });
  check(req.unitRates, 'unitRates');
  check(req.standingCharges, 'standingCharges');
  for (const k of new Set(req.unitRates.map((r) => r.registerKind))) {
    const idx = req.unitRates.map((r, i) => ({ r, i })).filter((x) => x.r.registerKind === k);
    for (const [a, b] of overlappingPeriods(idx.map((x) => x.r))) {
      issues.push({ code: 'INVALID_RATE_PERIOD', field: `unitRates.${idx[b]!.i}`, message: `unitRates.${idx[b]!.i}: the ${k} rate overlaps unitRates.${idx[a]!.i}; a day has one rate.` });
    }
  }
  for (const [a, b] of overlappingPeriods(req.standingCharges)) {
    issues.push({ code: 'INVALID_RATE_PERIOD', field: `standingCharges.${b}`, message: `standingCharges.${b}: overlaps standingCharges.${a}; a day has one standing charge.` });
  }
  return issues;
}

/** Throws VALIDATION_FAILED listing every issue (or the single specific code when there is only one kind). */
export function throwIfProblems(issues: readonly FieldIssue[]): void {
  if (issues.length === 0) return;
  throw problemsError(issues);
}

function problemsError(issues: readonly FieldIssue[]): AppError {
  return validationError('VALIDATION_FAILED', issues.map((i) => i.message).join(' '), issues);
}
