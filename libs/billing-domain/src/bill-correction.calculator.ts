// Re-billing when an actual reading replaces an estimate. An issued bill is never changed:
// the correction is a NEW bill, linked by correctsBillId, carrying only the differences.
//
// Lines are matched by what they charge for: kind, supply point, register, days covered,
// rate, VAT rate and the estimated flag. A matched pair yields one adjustment line (the
// differences of kWh and pence); a line only in the issued bill is reversed (negated); a
// line only in the recomputed bill is billed in full. Because the estimated flag is part of
// the match, an estimated line replaced by an actual one shows as a reversal of the estimate
// plus the actual line ("reverse and re-bill"), so settlement moves the kWh from estimated
// to actual instead of netting them. VAT lines are matched by VAT rate alone and adjusted
// (VAT on the recomputed base minus VAT on the issued base). No amount is re-rounded: every delta is a difference of
// whole pence already fixed on the two bills, so the correction's total is exactly
// recomputed total - issued total.
//
// To correct a period again, pass the bill the previous correction brought the account to
// (the earlier `recomputed`), not the original issued bill.
import { BillingDomainError } from './billing.error';
import { Bill, BillLine } from './bill.model';
import { billTotals } from './bill.calculator';
import { deepFreeze } from './deep-freeze.helper';
import { Decimal, Money, decimalToString, formatPounds } from './money.model';

/** The identity a line is matched on between an issued and a recomputed bill (VAT lines: by VAT rate only, adjusted in place). */
export function correctionLineKey(line: BillLine): string {
  if (line.kind === 'vat') return ['vat', line.vatRate ?? ''].join('|');
  return [
    line.kind,
    line.supplyPointId ?? '',
    line.registerId ?? '',
    line.periodFrom,
    line.periodTo,
    line.ratePence ?? '',
    line.vatRate ?? '',
    line.estimated ? 'estimated' : 'actual',
  ].join('|');
}

interface Aggregate {
  readonly line: BillLine;
  readonly amount: Money;
  readonly kWh: Decimal | null;
  readonly base: Money | null;
}

function aggregate(lines: readonly BillLine[]): Map<string, Aggregate> {
  const byKey = new Map<string, Aggregate>();
  for (const line of lines) {
    const key = correctionLineKey(line);
    const kWh = line.kWh === undefined ? null : new Decimal(line.kWh);
    const base = line.basePence === undefined ? null : Money.ofPence(line.basePence);
    const previous = byKey.get(key);
    byKey.set(
      key,
      previous === undefined
        ? { line, amount: Money.ofPence(line.amountPence), kWh, base }
        : {
            line: previous.line,
            amount: previous.amount.plus(Money.ofPence(line.amountPence)),
            kWh: previous.kWh === null || kWh === null ? (previous.kWh ?? kWh) : previous.kWh.plus(kWh),
            base: previous.base === null || base === null ? (previous.base ?? base) : previous.base.plus(base),
          },
    );
  }
  return byKey;
}

function withQuantities(line: BillLine, description: string, amount: Money, kWh: Decimal | null, base: Money | null): BillLine {
  const { kWh: _k, basePence: _b, ...rest } = line;
  return {
    ...rest,
    description,
    ...(kWh === null ? {} : { kWh: decimalToString(kWh) }),
    ...(base === null ? {} : { basePence: base.toPence() }),
    amountPence: amount.toPence(),
  };
}

/**
 * A correction bill: recomputed minus issued, line by line (see the file comment). The
 * result has recomputed's billId, correctsBillId = issued.billId, recomputed's readings,
 * and is deeply frozen; neither input is modified. Throws BILLING_CORRECTION_MISMATCH if the
 * bills are for different accounts or periods, share an id, or either is itself a correction.
 */
export function correctBill(issued: Bill, recomputed: Bill): Bill {
  const mismatch = (why: string): BillingDomainError =>
    new BillingDomainError('BILLING_CORRECTION_MISMATCH', `Cannot correct bill ${issued.billId} with ${recomputed.billId}: ${why}`, {
      issuedBillId: issued.billId,
      recomputedBillId: recomputed.billId,
    });
  if (issued.accountId !== recomputed.accountId) throw mismatch('different accounts');
  if (issued.period.start !== recomputed.period.start || issued.period.end !== recomputed.period.end) throw mismatch('different periods');
  if (issued.billId === recomputed.billId) throw mismatch('the correction needs its own bill id');
  if (issued.correctsBillId !== null || recomputed.correctsBillId !== null) {
    throw mismatch('compare full bills, not corrections (pass the bill the previous correction brought the account to)');
  }

  const before = aggregate(issued.lines);
  const after = aggregate(recomputed.lines);
  const netLines: BillLine[] = [];
  const vatLines: BillLine[] = [];
  const push = (line: BillLine): void => {
    (line.kind === 'vat' ? vatLines : netLines).push(line);
  };

  for (const [key, now] of after) {
    const was = before.get(key);
    if (was === undefined) {
      push(withQuantities(now.line, `Re-bill: ${now.line.description}`, now.amount, now.kWh, now.base));
      continue;
    }
    const amount = now.amount.minus(was.amount);
    const kWh = now.kWh === null ? null : now.kWh.minus(was.kWh ?? 0);
    const base = now.base === null ? null : now.base.minus(was.base ?? Money.zero());
    if (amount.isZero() && (kWh === null || kWh.isZero()) && (base === null || base.isZero())) continue;
    push(withQuantities(now.line, `Adjustment: ${now.line.description} (previously ${formatPounds(was.amount)})`, amount, kWh, base));
  }
  for (const [key, was] of before) {
    if (after.has(key)) continue;
    push(withQuantities(was.line, `Reversal: ${was.line.description}`, was.amount.negate(), was.kWh?.negated() ?? null, was.base?.negate() ?? null));
  }

  const lines = [...netLines, ...vatLines];
  return deepFreeze({
    billId: recomputed.billId,
    correctsBillId: issued.billId,
    accountId: recomputed.accountId,
    category: recomputed.category,
    domestic: recomputed.domestic,
    period: { start: recomputed.period.start, end: recomputed.period.end },
    supplyDays: recomputed.supplyDays,
    estimated: lines.some((l) => l.estimated),
    lines,
    registers: structuredCopy(recomputed.registers),
    totals: billTotals(lines),
  });
}

function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
