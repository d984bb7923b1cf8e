/**
 * What the demo's day consists of, decided before any I/O: which demo account
 * plays the customer, the three readings it submits, and how its bill is told
 * and checked. Pure (no I/O), so it is unit tested and the script stays a
 * sequence of HTTP calls. Used by scripts/demo-day.ts.
 */
import { Decimal } from 'decimal.js';
import { formatPounds, formatRatePence } from '@surge/billing-domain/money.model';
import { DEMO_TARIFFS, type DemoAccount, type DemoRegister, type DemoSupplyPoint, demoAccount } from '@surge-test/fixtures/demo-population.generator';

/** The price change the day is about: usage before it is billed at the old rates. */
export const PRICE_CHANGE_DAY = '2022-04-01';
export const DEMO_DAY_PERIOD = { start: '2022-03-01', end: '2022-05-01' } as const;

/**
 * Account numbers the demo day draws from: far above anything the bulk seed,
 * the benchmarks or the tests use (they start at 0), below 10^9 so the meter
 * serial (`E` + 9 digits) still fits 10 characters and the MPAN stays unique.
 */
export const DEMO_DAY_BASE = 100_000_000;
const SLOTS = 8_000_000;
/** Candidates tried from one starting number; about a quarter of accounts fit, so 100 is ample. */
export const SLOT_WIDTH = 100;

/**
 * A starting account number for a run at `nowMs`: a new block of SLOT_WIDTH
 * numbers every second (cycling after about 92 days), so each demo run gets
 * its own account, supply point and meter and a re-run never collides with an
 * earlier one's readings, bills or survey throttle.
 */
export function demoDayStart(nowMs: number): number {
  return DEMO_DAY_BASE + (Math.floor(nowMs / 1000) % SLOTS) * SLOT_WIDTH;
}

export interface DemoDayCustomer {
  readonly n: number;
  readonly account: DemoAccount;
  readonly supplyPoint: DemoSupplyPoint;
  readonly register: DemoRegister;
}

/** The readings go 61 days past the opening value; the dials must not wrap (a rollover would be a different story). */
const DAYS_READ = 61;

function fits(account: DemoAccount): DemoDayCustomer | null {
  if (account.category !== 'D' || !account.domestic || account.supplyPoints.length !== 1) return null;
  const sp = account.supplyPoints[0]!;
  if (sp.fuel !== 'electricity' || sp.tariffId !== DEMO_TARIFFS.electricity || sp.registers.length !== 1) return null;
  const register = sp.registers[0]!;
  if (register.registerId !== 'S' || register.kind !== 'import') return null;
  if (register.startValue + Math.ceil(register.dailyUnits * DAYS_READ) >= 10 ** register.digits) return null;
  return { n: account.index, account, supplyPoint: sp, register };
}

/**
 * The first demo account from `start` that is a passive consumer (category D),
 * domestic, electricity only, single rate (register S) on the price-cap
 * tariff. Deterministic: the same start always picks the same account.
 */
export function pickDemoDayCustomer(start: number, prefix: string): DemoDayCustomer {
  for (let n = start; n < start + SLOT_WIDTH; n++) {
    const found = fits(demoAccount(n, prefix));
    if (found) return found;
  }
  throw new Error(`no single-rate domestic account among demo accounts ${start} to ${start + SLOT_WIDTH - 1}`);
}

export interface PlannedReading {
  readonly label: string;
  /** The instant the meter showed the value, with the UK offset a customer would see. */
  readonly readAt: string;
  /** The billing day the reading stands for (libs/billing/src/accounts-tariffs/reading.selector.ts: from 12:00 UK time, the next day). */
  readonly standsFor: string;
  readonly value: string;
  /** Units since the previous reading (none for the opening one): what the register's EAC predicts, pro rata by days. */
  readonly advance: number | null;
}

/**
 * Three customer reads: the opening one on the morning of 1 March, the Meter
 * Reading Day one on the evening of 31 March (it stands for 1 April, so it
 * splits the usage exactly at the price change) and the closing one on the
 * evening of 30 April (it stands for 1 May, the first day not billed). The
 * advances follow the register's EAC, well inside the read path's "twice the
 * expected advance" bar.
 */
export function plannedReadings(register: DemoRegister): PlannedReading[] {
  const eac = Number(register.eacKwh);
  const steps = [
    { label: 'opening read', readAt: '2022-03-01T09:00:00Z', standsFor: '2022-03-01', days: 0 },
    { label: 'Meter Reading Day read', readAt: '2022-03-31T20:30:00+01:00', standsFor: '2022-04-01', days: 31 },
    { label: 'closing read', readAt: '2022-04-30T20:00:00+01:00', standsFor: '2022-05-01', days: 30 },
  ];
  let value = register.startValue;
  return steps.map((s, i) => {
    const expected = Math.round((eac * s.days) / 365);
    value += i === 0 ? 0 : expected;
    return {
      label: s.label,
      readAt: s.readAt,
      standsFor: s.standsFor,
      value: String(value).padStart(register.digits, '0'),
      advance: i === 0 ? null : expected,
    };
  });
}

/** A bill line as GET /v1/accounts/{id}/bills/{billId} answers it (the fields the demo shows). */
export interface BillLineView {
  readonly kind: string;
  readonly description: string;
  readonly periodFrom: string;
  readonly periodTo: string;
  readonly kWh?: string;
  readonly days?: number;
  readonly ratePence: string | null;
  readonly vatRate: string | null;
  readonly amountPence: string;
  readonly estimated: boolean;
}

export interface BillViewForDemo {
  readonly billId: string;
  readonly period: { readonly start: string; readonly end: string };
  readonly estimated: boolean;
  readonly lines: readonly BillLineView[];
  readonly totals: { readonly netPence: string; readonly vatPence: string; readonly totalPence: string; readonly total: string };
}

// periodTo is the day after the last day a line covers (exclusive).
const side = (l: BillLineView): 'before' | 'after' | 'across' =>
  l.periodTo <= PRICE_CHANGE_DAY ? 'before' : l.periodFrom >= PRICE_CHANGE_DAY ? 'after' : 'across';

/** A line's rate with VAT, as the price cap is quoted (display only: the bill charges the exact ex-VAT rate, VAT once on the total). */
function rateIncVat(l: BillLineView): string {
  if (l.ratePence === null || l.vatRate === null) return '';
  const unit = l.kind === 'standing-charge' ? 'day' : 'kWh';
  return `${formatRatePence(new Decimal(l.ratePence).times(new Decimal(1).plus(l.vatRate)).toDecimalPlaces(2, Decimal.ROUND_HALF_UP))}/${unit} inc VAT`;
}

/** The bill as lines of text: each line as billing describes it, its amount, which side of 1 April; then the totals. */
export function describeBill(bill: BillViewForDemo): string[] {
  const out: string[] = [];
  for (const l of bill.lines) {
    const where = l.kind === 'vat' ? '' : side(l) === 'before' ? 'before 1 Apr' : side(l) === 'after' ? 'from 1 Apr' : 'SPANS 1 Apr';
    const notes = [where, rateIncVat(l), l.estimated ? 'estimated' : ''].filter(Boolean).join(', ');
    out.push(`${l.description.padEnd(76)} ${formatPounds(l.amountPence).padStart(9)}${notes ? `  (${notes})` : ''}`);
  }
  out.push(`net ${formatPounds(bill.totals.netPence)} + VAT ${formatPounds(bill.totals.vatPence)} = total ${bill.totals.total}; ${bill.estimated ? 'ESTIMATED (no closing read)' : 'on actual reads, none estimated'}`);
  return out;
}

/**
 * What must be true of the demo's bill for the story to be told honestly: the
 * usage is charged on both sides of 1 April (energy lines before and after,
 * none straddling it), on actual reads, and the lines add up to the total.
 * Returns the problems found; none means the bill is right.
 */
export function billProblems(bill: BillViewForDemo): string[] {
  const problems: string[] = [];
  const energy = bill.lines.filter((l) => l.kind === 'energy');
  if (!energy.some((l) => side(l) === 'before')) problems.push('no energy line before 1 April');
  if (!energy.some((l) => side(l) === 'after')) problems.push('no energy line from 1 April');
  if (energy.some((l) => side(l) === 'across')) problems.push('an energy line spans 1 April (the Meter Reading Day read did not split the usage)');
  if (!bill.lines.some((l) => l.kind === 'standing-charge')) problems.push('no standing charge');
  if (!bill.lines.some((l) => l.kind === 'vat')) problems.push('no VAT line');
  if (bill.estimated || bill.lines.some((l) => l.estimated)) problems.push('the bill is estimated although every read was submitted');
  const sum = bill.lines.reduce((a, l) => a + BigInt(l.amountPence), 0n);
  if (sum.toString() !== bill.totals.totalPence) problems.push(`the lines add up to ${sum} pence, the total says ${bill.totals.totalPence}`);
  return problems;
}
