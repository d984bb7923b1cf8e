import { BillingDomainError } from '@surge/billing-domain/billing.error';

/**
 * Why one account of a bill run was not billed. These are final for the data
 * as it stands (a retry of the same job would fail the same way), so they are
 * recorded on the run item and listed, never retried by the queue. Codes of
 * the pure domain (BILLING_*) pass through unchanged.
 */
export type AccountFailureCode =
  | 'NO_SUPPLY_POINTS'
  | 'SUPPLY_STARTS_IN_PERIOD'
  | 'NO_TARIFF_AGREEMENT'
  | 'TARIFF_CHANGE_IN_PERIOD'
  | 'UNKNOWN_TARIFF'
  | 'NO_METER'
  | 'METER_EXCHANGE_IN_PERIOD'
  | 'NO_REGISTERS'
  | 'NO_OPENING_READING'
  | 'NO_CALORIFIC_VALUE'
  | 'PERIOD_ALREADY_BILLED'
  | 'NO_BILL_TO_CORRECT'
  | 'ACCOUNT_NOT_FOUND'
  /** The whole chunk failed after every retry (a dependency kept failing); resume the run to try again. */
  | 'CHUNK_FAILED'
  /** A bug: an unexpected error while billing this account (logged). */
  | 'INTERNAL_ERROR';

/** Reasons recorded on items that were not billed by this run but are not failures. */
export type AccountSkipCode = 'NO_CHANGE';

export class AccountBillingError extends Error {
  constructor(
    readonly code: AccountFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccountBillingError';
  }
}

export interface AccountFailure {
  readonly code: string;
  readonly message: string;
}

/** The code and message recorded for an account that could not be billed. */
export function describeFailure(error: unknown): AccountFailure {
  if (error instanceof AccountBillingError || error instanceof BillingDomainError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_ERROR', message: `Unexpected error: ${error instanceof Error ? error.message : String(error)}` };
}
