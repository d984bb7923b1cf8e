// The shapes of a bill computation: its input and the bill it produces. Bills are plain,
// JSON-serialisable, deeply frozen data: every decimal is a string (money in whole pence,
// e.g. '-1800'; kWh and rates at full precision), so a bill can be stored and sent as-is
// and compared exactly. Spans are half-open [from, to) billing days (see calendar.ts).
import { DateSpan } from './calendar.model';
import { RegisterUnit } from './consumption.calculator';
import { EstimationMethod, HistoryReading } from './reading.estimator';
import { Fuel, RegisterKind, Tariff } from './tariff.model';

/** Network customer category (domain README section 2): A system service provider, B active participant, C passive participant, D passive consumer. */
export type CustomerCategory = 'A' | 'B' | 'C' | 'D';

/** The account being billed. vatRate is a fraction: '0.05' for domestic fuel and power, '0.20' standard rate for business (see README "VAT"). */
export interface AccountInput {
  readonly accountId: string;
  readonly category: CustomerCategory;
  readonly domestic: boolean;
  readonly vatRate: string;
}

/** A register reading; readAt is 'YYYY-MM-DD' or an instant with offset; rolledOver = the dials passed their maximum since the previous reading. */
export interface MeterReading {
  readonly readAt: string;
  readonly value: string;
  readonly estimated: boolean;
  readonly rolledOver?: boolean;
}

/** One register to bill: readings in date order from the opening (at period start) through any intermediate ones to the closing (at period end), or null to estimate it. */
export interface RegisterInput {
  readonly registerId: string;
  readonly kind: RegisterKind;
  readonly digits: number;
  readonly unit: RegisterUnit;
  readonly opening: MeterReading;
  readonly intermediate?: readonly MeterReading[];
  readonly closing: MeterReading | null;
  /** Earlier readings used (with opening and intermediate) to estimate a missing closing reading. */
  readonly history?: readonly HistoryReading[];
  /** Estimated annual consumption in kWh, for estimation when the history has too few actual readings. */
  readonly eacKwh?: string;
}

/** One supply point (MPAN core or MPRN) with its tariff and registers; gas needs the calorific value (MJ/m3) for the period. */
export interface SupplyPointInput {
  readonly supplyPointId: string;
  readonly fuel: Fuel;
  readonly tariff: Tariff;
  readonly calorificValueMjPerM3?: string;
  readonly registers: readonly RegisterInput[];
}

/** Everything calculateBill needs; billId is chosen by the caller so the computation stays pure. */
export interface BillInput {
  readonly billId: string;
  readonly account: AccountInput;
  readonly period: DateSpan;
  readonly supplyPoints: readonly SupplyPointInput[];
  /** Flexibility payments to credit on this bill (billing's own copy of flex.earned-value.v1; each applied once). */
  readonly credits?: readonly FlexibilityCreditInput[];
}

/**
 * A flexibility programme's payment for energy a member did not use during an event, credited as its own
 * line. Outside the scope of VAT (like export payments: a payment for a service to the grid, not a
 * discount on supply), so it changes no VAT line.
 */
export interface FlexibilityCreditInput {
  /** `<eventId>:<accountId>`, from the event; the line names it so the credit is applied once. */
  readonly creditId: string;
  /** e.g. "Flexibility credit: Evening peak 1 Dec 2026 18:00-19:00, 4.2 kWh at 57.15p/kWh". */
  readonly description: string;
  /** Whole pence earned (positive); the line's amount is its negative. */
  readonly earnedPence: string;
  readonly deliveredKwh: string;
}

/** Kinds of bill line. */
export type BillLineKind = 'energy' | 'export-credit' | 'standing-charge' | 'vat' | 'flexibility-credit';

/** One line of a bill. amountPence is whole pence, fixed once (money.ts); export credits and reversals are negative. */
export interface BillLine {
  readonly kind: BillLineKind;
  readonly description: string;
  /** First day covered (inclusive). */
  readonly periodFrom: string;
  /** Day after the last day covered (exclusive). */
  readonly periodTo: string;
  readonly supplyPointId?: string;
  readonly fuel?: Fuel;
  readonly tariffId?: string;
  /** Validity of the tariff rate period that priced this line (for settlement); absent on VAT lines. */
  readonly ratePeriodFrom?: string;
  readonly ratePeriodTo?: string | null;
  readonly registerId?: string;
  readonly registerKind?: RegisterKind;
  /** Unrounded kWh (energy and export lines). */
  readonly kWh?: string;
  /** Days covered (energy, export and standing-charge lines). */
  readonly days?: number;
  /** Pence per kWh (energy, export) or per day (standing charge), exact, ex VAT; null on VAT lines. */
  readonly ratePence: string | null;
  /** Net lines: the VAT rate charged on them (null = outside the scope of VAT, e.g. export payments). VAT lines: the rate applied. */
  readonly vatRate: string | null;
  /** VAT lines only: the sum of the rounded net lines the VAT was computed on. */
  readonly basePence?: string;
  readonly amountPence: string;
  readonly estimated: boolean;
  /** Flexibility credit lines: the credit applied (not stored on the line row; billing marks the credit). */
  readonly creditId?: string;
}

/** A reading as used on the bill, with the billing day it stands for (the start of that day). */
export interface BillReading {
  readonly readAt: string;
  readonly boundary: string;
  readonly value: string;
  readonly estimated: boolean;
  readonly rolledOver: boolean;
  readonly estimationMethod?: EstimationMethod;
  /** Estimated readings: how the estimate was made (shown on the bill). */
  readonly estimate?: EstimateBasis;
}

/**
 * How an estimated reading was made, stated on the bill. average-daily: the usage per day between the
 * earliest and latest actual readings, times the days from basedOnReadAt. eac-pro-rata: the estimated
 * annual consumption / daysPerYear (365.25, libs/meter-domain DAYS_PER_YEAR, the read path's figure too)
 * per day; eacKwh as the account holds it, eac in the register's unit (m3 or hundreds of ft3 for gas).
 */
export interface EstimateBasis {
  readonly method: EstimationMethod;
  readonly dailyUsage: string;
  readonly basedOnReadAt: string;
  readonly eacKwh?: string;
  readonly eac?: string;
  readonly daysPerYear?: string;
}

/** Per register: the readings billed and the resulting consumption. */
export interface BillRegister {
  readonly supplyPointId: string;
  readonly registerId: string;
  readonly kind: RegisterKind;
  readonly unit: RegisterUnit;
  readonly readings: readonly BillReading[];
  /** Consumption in the register's unit. */
  readonly advance: string;
  /** Consumption in kWh (unrounded). */
  readonly kWh: string;
}

/** Bill totals in whole pence: total = net + VAT = the sum of all lines. */
export interface BillTotals {
  readonly netPence: string;
  readonly vatPence: string;
  readonly totalPence: string;
}

/** A computed bill (or, with correctsBillId set, a correction carrying only differences). */
export interface Bill {
  readonly billId: string;
  readonly correctsBillId: string | null;
  readonly accountId: string;
  readonly category: CustomerCategory;
  readonly domestic: boolean;
  readonly period: DateSpan;
  readonly supplyDays: number;
  readonly estimated: boolean;
  readonly lines: readonly BillLine[];
  readonly registers: readonly BillRegister[];
  readonly totals: BillTotals;
}
