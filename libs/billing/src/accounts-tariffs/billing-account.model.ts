import type { CustomerCategory } from '@surge/billing-domain/bill.model';
import type { RegisterUnit } from '@surge/billing-domain/consumption.calculator';
import type { Fuel, RegisterKind } from '@surge/billing-domain/tariff.model';

/** What billing knows about an account, as loaded from PostgreSQL. Dates are 'YYYY-MM-DD' billing days. */
export interface BillingAccount {
  readonly accountId: string;
  readonly category: CustomerCategory;
  readonly domestic: boolean;
  readonly vulnerable: boolean;
  /** A fraction as a decimal string, e.g. '0.05'. */
  readonly vatRate: string;
  readonly supplyPoints: readonly BillingSupplyPoint[];
}

export interface BillingSupplyPoint {
  readonly supplyPointId: string;
  readonly fuel: Fuel;
  readonly supplyStart: string;
  readonly meters: readonly BillingMeter[];
  readonly agreements: readonly BillingAgreement[];
}

export interface BillingMeter {
  readonly meterSerial: string;
  readonly installedOn: string;
  readonly removedOn: string | null;
  readonly registers: readonly BillingRegister[];
}

export interface BillingRegister {
  /** Canonical register id as the read path stores it: S, EXPORT, DAY, NIGHT or GAS. */
  readonly registerId: string;
  readonly kind: RegisterKind;
  readonly digits: number;
  readonly unit: RegisterUnit;
  /** Estimated annual consumption in kWh (decimal string), or null. */
  readonly eacKwh: string | null;
}

/** A supply point on a tariff over [validFrom, validTo), validTo null = open-ended. */
export interface BillingAgreement {
  readonly tariffId: string;
  readonly validFrom: string;
  readonly validTo: string | null;
}

/** An accepted, non-duplicate reading from ClickHouse (latest decision per reading id). */
export interface RegisterReading {
  readonly readingId: string;
  /** UTC instant, ISO 8601 with 'Z'. */
  readonly readAt: string;
  readonly value: string;
  /** Industry reading type: C customer, R routine, X smart, D estimated/deemed, ... */
  readonly source: string;
  /** The dials passed their maximum since the previous reading. */
  readonly rolledOver: boolean;
}

/** Readings are grouped per physical register. */
export const registerReadingKey = (supplyPointId: string, meterSerial: string, registerId: string): string =>
  `${supplyPointId}|${meterSerial}|${registerId}`;

/** The closing reading of a register on the account's previous bill (the bill ending where this period starts). */
export interface PreviousClosing {
  readonly billId: string;
  readonly value: string;
  readonly estimated: boolean;
}

export const previousClosingKey = (supplyPointId: string, registerId: string): string => `${supplyPointId}|${registerId}`;
