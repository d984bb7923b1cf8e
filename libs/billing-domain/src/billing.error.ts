// Typed errors of the pure billing domain. Each carries a stable string code so
// an app-level filter (libs/errors) can map it to HTTP or a dead-letter reason
// without parsing messages. Kept here because billing-domain may only import
// libs/errors, which does not exist yet; move the codes there when it does.

/** Stable error codes raised by the billing domain. */
export type BillingErrorCode =
  | 'BILLING_INVALID_DATE'
  | 'BILLING_INVALID_INPUT'
  | 'BILLING_TARIFF_GAP'
  | 'BILLING_TARIFF_OVERLAP'
  | 'BILLING_TARIFF_MISSING_REGISTER'
  | 'BILLING_NEGATIVE_ADVANCE'
  | 'BILLING_READING_EXCEEDS_DIGITS'
  | 'BILLING_ESTIMATION_IMPOSSIBLE'
  | 'BILLING_CORRECTION_MISMATCH';

/** Base class of every error thrown by libs/billing-domain; `code` is stable, `details` is structured context. */
export class BillingDomainError extends Error {
  constructor(
    readonly code: BillingErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A day inside a charged span has no rate in the tariff (a gap): the bill cannot be priced. */
export class TariffGapError extends BillingDomainError {
  constructor(
    readonly date: string,
    readonly what: string,
  ) {
    super('BILLING_TARIFF_GAP', `No ${what} rate valid on ${date}`, { date, what });
  }
}

/** Two rate periods of one rate list cover the same day, so the price of that day is ambiguous. */
export class TariffOverlapError extends BillingDomainError {
  constructor(
    readonly date: string,
    readonly what: string,
  ) {
    super('BILLING_TARIFF_OVERLAP', `More than one ${what} rate valid on ${date}`, { date, what });
  }
}

/** A closing reading lower than the opening one without a rollover (industry reason code 03). */
export class NegativeAdvanceError extends BillingDomainError {
  constructor(opening: string, closing: string) {
    super('BILLING_NEGATIVE_ADVANCE', `Closing reading ${closing} is below opening reading ${opening} and the register did not roll over`, {
      opening,
      closing,
    });
  }
}

/** Input that breaks the billing contract (malformed number, date, inconsistent reading dates...). */
export class InvalidBillingInputError extends BillingDomainError {
  constructor(message: string, details: Readonly<Record<string, unknown>> = {}) {
    super('BILLING_INVALID_INPUT', message, details);
  }
}
