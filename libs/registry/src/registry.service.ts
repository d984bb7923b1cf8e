import type { Pool, PoolClient } from 'pg';
import { type Principal, type Scope, hasScope } from '@surge/auth/principal.model';
import { AppError, conflict, forbidden, notFound, unavailable, unprocessable, validationError } from '@surge/errors/app.error';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import { type AccountHistory, type QueuedAccountSnapshot, type QueuedTariffSnapshot, RegistryRepository } from './registry.repository';
import type { ChangeCategoryRequest, ChangeEacRequest, CreateAccountRequest, CreateAgreementRequest, CreateTariffRequest } from './registry.schema';
import { accountProblems, tariffProblems, throwIfProblems } from './registry.validator';

export interface RegistryServiceOptions {
  /** Today's billing day (Europe/London); a clock for tests. */
  readonly today?: () => string;
  /** Called after each committed change: wakes the outbox relay. */
  readonly onCommitted?: () => void;
}

export interface AccountView {
  readonly account: QueuedAccountSnapshot;
  readonly history: AccountHistory;
}

const londonDay = (): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

function requireScope(principal: Principal, scope: Scope): void {
  if (!hasScope(principal, scope)) throw forbidden('INSUFFICIENT_SCOPE', `This needs an API key with scope ${scope}.`);
}

/**
 * The registry's writes and reads. Each request is one PostgreSQL transaction holding the change, its
 * version row (history is appended, never overwritten) and the outbox row with the entity's new
 * snapshot: a change is either whole, with its event queued, or absent. Validation runs before the
 * transaction (pure rules) and inside it (rules that need the database); any failure rolls back.
 * Staff only: registry:write changes, registry:read (or write) reads; customers get 403.
 */
export class RegistryService {
  private readonly repo = new RegistryRepository();
  private readonly today: () => string;

  constructor(private readonly pool: Pool, private readonly options: RegistryServiceOptions = {}) {
    this.today = options.today ?? londonDay;
  }

  async createTariff(principal: Principal, req: CreateTariffRequest): Promise<QueuedTariffSnapshot> {
    requireScope(principal, 'registry:write');
    throwIfProblems(tariffProblems(req));
    return this.write(async (c) => {
      if (await this.repo.tariffExists(c, req.tariffId)) throw conflict('TARIFF_ALREADY_EXISTS', `Tariff ${req.tariffId} exists; tariffs are never overwritten: create a new one.`);
      await this.repo.insertTariff(c, req);
      const snapshot = (await this.repo.tariffSnapshot(c, req.tariffId, 'tariff.created'))!;
      await this.repo.enqueue(c, snapshot);
      return snapshot;
    });
  }

  async getTariff(principal: Principal, tariffId: string): Promise<QueuedTariffSnapshot> {
    this.requireRead(principal);
    const t = await this.read((c) => this.repo.tariffSnapshot(c, tariffId, 'read'));
    if (!t) throw notFound('TARIFF_NOT_FOUND', `No tariff ${tariffId}.`);
    return t;
  }

  async createAccount(principal: Principal, req: CreateAccountRequest): Promise<AccountView> {
    requireScope(principal, 'registry:write');
    throwIfProblems(accountProblems(req));
    const effectiveFrom = req.effectiveFrom ?? req.supplyPoints.map((s) => s.supplyStart).sort()[0]!;
    return this.write(async (c) => {
      if (await this.repo.lockAccount(c, req.accountId)) throw conflict('ACCOUNT_ALREADY_EXISTS', `Account ${req.accountId} exists; change it through its change routes.`);
      const taken = await this.repo.registeredSupplyPoints(c, req.supplyPoints.map((s) => s.supplyPointId));
      if (taken.length > 0) throw conflict('SUPPLY_POINT_ALREADY_REGISTERED', `Supply point ${taken.join(', ')} is already registered; a supply point is on one account.`);
      await this.repo.insertAccount(c, req, effectiveFrom, principal.id);
      return this.queueAccount(c, req.accountId, 'account.created');
    });
  }

  async getAccount(principal: Principal, accountId: string): Promise<AccountView> {
    this.requireRead(principal);
    return this.read(async (c) => {
      const account = await this.repo.accountSnapshot(c, accountId, 'read');
      if (!account) throw notFound('ACCOUNT_NOT_FOUND', `No account ${accountId}.`);
      return { account, history: await this.repo.accountHistory(c, accountId) };
    });
  }

  async createAgreement(principal: Principal, accountId: string, req: CreateAgreementRequest): Promise<AccountView> {
    requireScope(principal, 'registry:write');
    if (req.validTo != null && req.validTo <= req.validFrom) {
      throw validationError('VALIDATION_FAILED', `validTo: ${req.validTo} must be after validFrom ${req.validFrom}.`, [
        { code: 'INVALID_RATE_PERIOD', field: 'validTo', message: `validTo: ${req.validTo} must be after validFrom ${req.validFrom}.` },
      ]);
    }
    return this.write(async (c) => {
      await this.lockExistingAccount(c, accountId);
      const sp = await this.repo.supplyPointOfAccount(c, accountId, req.supplyPointId);
      if (!sp) throw notFound('METER_NOT_ON_ACCOUNT', `Supply point ${req.supplyPointId} is not on account ${accountId}.`);
      const tariff = await this.repo.tariffExists(c, req.tariffId);
      if (!tariff) throw unprocessable('UNKNOWN_TARIFF', `There is no tariff ${req.tariffId}; create it first (POST /v1/tariffs).`);
      if (tariff.fuel !== sp.fuel) throw unprocessable('TARIFF_FUEL_MISMATCH', `Tariff ${req.tariffId} is for ${tariff.fuel}; supply point ${req.supplyPointId} is ${sp.fuel}.`);
      await this.repo.insertAgreement(c, accountId, req);
      return this.queueAccount(c, accountId, 'agreement.created');
    });
  }

  async changeCategory(principal: Principal, accountId: string, req: ChangeCategoryRequest): Promise<AccountView> {
    requireScope(principal, 'registry:write');
    this.notInFuture(req.effectiveFrom);
    return this.write(async (c) => {
      await this.lockExistingAccount(c, accountId);
      const latest = await this.repo.latestCategoryVersion(c, accountId);
      this.inOrder(req.effectiveFrom, latest.effectiveFrom);
      await this.repo.appendCategory(c, accountId, latest.version + 1, req.effectiveFrom, req.category, principal.id);
      return this.queueAccount(c, accountId, 'account.category-changed');
    });
  }

  async changeEac(principal: Principal, accountId: string, key: { supplyPointId: string; meterSerial: string; registerId: string }, req: ChangeEacRequest): Promise<AccountView> {
    requireScope(principal, 'registry:write');
    this.notInFuture(req.effectiveFrom);
    return this.write(async (c) => {
      await this.lockExistingAccount(c, accountId);
      if (!(await this.repo.registerOfAccount(c, accountId, key.supplyPointId, key.meterSerial, key.registerId))) {
        throw notFound('REGISTER_NOT_FOUND', `Account ${accountId} has no register ${key.registerId} on meter ${key.meterSerial} at ${key.supplyPointId}.`);
      }
      const latest = await this.repo.latestEacVersion(c, key.supplyPointId, key.meterSerial, key.registerId);
      this.inOrder(req.effectiveFrom, latest.effectiveFrom);
      await this.repo.appendEac(c, key, latest.version + 1, req.effectiveFrom, req.eacKwh, principal.id);
      return this.queueAccount(c, accountId, 'register.eac-changed');
    });
  }

  private async queueAccount(c: PoolClient, accountId: string, change: string): Promise<AccountView> {
    const account = (await this.repo.accountSnapshot(c, accountId, change))!;
    await this.repo.enqueue(c, account);
    return { account, history: await this.repo.accountHistory(c, accountId) };
  }

  private async lockExistingAccount(c: PoolClient, accountId: string): Promise<void> {
    if (!(await this.repo.lockAccount(c, accountId))) throw notFound('ACCOUNT_NOT_FOUND', `No account ${accountId}.`);
  }

  private requireRead(principal: Principal): void {
    if (!hasScope(principal, 'registry:read') && !hasScope(principal, 'registry:write')) {
      throw forbidden('INSUFFICIENT_SCOPE', 'This needs an API key with scope registry:read or registry:write.');
    }
  }

  private notInFuture(effectiveFrom: string): void {
    const today = this.today();
    if (effectiveFrom > today) throw validationError('EFFECTIVE_DATE_IN_FUTURE', `effectiveFrom ${effectiveFrom} is after today (${today}); record the change on or after its day.`);
  }

  private inOrder(effectiveFrom: string, latest: string): void {
    if (effectiveFrom < latest) throw conflict('VERSION_OUT_OF_ORDER', `effectiveFrom ${effectiveFrom} is before the latest recorded change (${latest}); history is kept in date order.`);
  }

  private async write<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    try {
      const result = await inTransaction(this.pool, work);
      this.options.onCommitted?.();
      return result;
    } catch (error) {
      throw translate(error);
    }
  }

  private async read<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    try {
      // One snapshot for the account and its history (REPEATABLE READ is not needed for one writer per account: the lock is).
      return await inTransaction(this.pool, work);
    } catch (error) {
      throw translate(error);
    }
  }
}

/**
 * Database errors into the taxonomy. Constraint violations that slipped past the checks (a concurrent
 * request won the race) become the same 409 the check gives; a database that is down or too slow is a
 * 503 with Retry-After, never a 500 and never a 2xx.
 */
export function translate(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e.code === '23505') {
    if (e.constraint === 'accounts_pkey') return conflict('ACCOUNT_ALREADY_EXISTS', 'The account exists (created concurrently).');
    if (e.constraint === 'supply_points_pkey') return conflict('SUPPLY_POINT_ALREADY_REGISTERED', 'A supply point is already registered (concurrently).');
    if (e.constraint === 'tariffs_pkey') return conflict('TARIFF_ALREADY_EXISTS', 'The tariff exists (created concurrently).');
    if (e.constraint?.includes('versions_pkey')) return conflict('VERSION_OUT_OF_ORDER', 'Another change was recorded at the same moment; read the account and try again.');
  }
  if (e.code === '23P01' && /agreements_no_overlap/.test(e.message ?? '')) {
    return conflict('AGREEMENT_OVERLAP', 'The supply point already has an agreement on some of these days; end that one first or choose other dates.');
  }
  if (e.code === '23P01') return validationError('VALIDATION_FAILED', 'Two rate periods overlap.', [{ code: 'INVALID_RATE_PERIOD', field: '(body)', message: 'Two rate periods overlap.' }]);
  const transient = typeof e.code === 'string' && (/^(08|53|57)/.test(e.code) || e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT' || e.code === 'ECONNRESET');
  if (transient || /timeout|Connection terminated|connect ECONNREFUSED/i.test(e.message ?? '')) {
    return unavailable('DEPENDENCY_UNAVAILABLE', 'The registry database is not reachable; nothing was changed. Retry after Retry-After seconds.', { cause: error });
  }
  return error;
}
