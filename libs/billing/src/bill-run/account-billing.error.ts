import { BillingDomainError, type BillingErrorCode } from '@surge/billing-domain/billing.error';

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
export type AccountSkipCode = 'NO_CHANGE' | 'ALREADY_BILLED';

/**
 * Every code a bill run can record against an account, with what it means
 * (typed: a new code does not compile until it is described here). The
 * billing OpenAPI document lists them under x-outcome-codes.
 */
export const ACCOUNT_OUTCOME_CODES: Readonly<Record<AccountFailureCode | AccountSkipCode | BillingErrorCode, string>> = {
  NO_CHANGE: 'skipped (correction run): the recomputed bill equals the issued one; no correction issued',
  ALREADY_BILLED: 'skipped (bill run): the account already has a bill for exactly this period (an earlier run); no bill issued',
  NO_SUPPLY_POINTS: 'failed: the account has no supply points',
  SUPPLY_STARTS_IN_PERIOD: 'failed: a supply starts inside the period (bill from the supply start)',
  NO_TARIFF_AGREEMENT: 'failed: no tariff agreement covers the period',
  TARIFF_CHANGE_IN_PERIOD: 'failed: the agreement changes tariff inside the period',
  UNKNOWN_TARIFF: 'failed: the agreement names a tariff that does not exist',
  NO_METER: 'failed: a supply point has no meter in the period',
  METER_EXCHANGE_IN_PERIOD: 'failed: a meter was exchanged inside the period',
  NO_REGISTERS: 'failed: the meter has no registers',
  NO_OPENING_READING: 'failed: no opening reading (previous closing or an accepted reading at the period start)',
  NO_CALORIFIC_VALUE: 'failed: no calorific value for a gas period',
  PERIOD_ALREADY_BILLED: 'failed: another bill overlaps the period',
  NO_BILL_TO_CORRECT: 'failed (correction run): no issued bill for this period',
  ACCOUNT_NOT_FOUND: 'failed: no such account',
  CHUNK_FAILED: 'failed: the whole chunk failed after every retry; resume with retryFailed',
  INTERNAL_ERROR: 'failed: unexpected error (logged)',
  BILLING_INVALID_DATE: 'failed: a date in the input is not a real date',
  BILLING_INVALID_INPUT: 'failed: the billing input is inconsistent',
  BILLING_TARIFF_GAP: 'failed: the tariff has a gap in the period',
  BILLING_TARIFF_OVERLAP: 'failed: the tariff has overlapping rate periods',
  BILLING_TARIFF_MISSING_REGISTER: 'failed: the tariff has no rate for a register',
  BILLING_NEGATIVE_ADVANCE: 'failed: closing reading below opening without a rollover (industry 03)',
  BILLING_READING_EXCEEDS_DIGITS: 'failed: a reading does not fit the register digits (industry 11)',
  BILLING_ESTIMATION_IMPOSSIBLE: 'failed: no closing reading and nothing to estimate it from',
  BILLING_CORRECTION_MISMATCH: 'failed: the recomputed bill does not match the issued one it corrects',
};

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
