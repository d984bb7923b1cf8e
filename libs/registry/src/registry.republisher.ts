import type { Pool } from 'pg';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import { RegistryRepository } from './registry.repository';

/**
 * Queues one snapshot of every tariff and account in the outbox, so registry.v1 holds rows written
 * before the registry existed (billing:seed, older migrations) or is rebuilt after a topic loss. Safe to
 * run any time and more than once: consumers keep the highest revision, and a snapshot read inside its
 * transaction is the committed state at that moment (each account is locked while it is read, so a
 * concurrent change is either in it or queued after it). Accounts in batches, keyset-paginated.
 */
export async function republishRegistry(pool: Pool, batchSize = 500, onProgress: (accounts: number) => void = () => undefined): Promise<{ tariffs: number; accounts: number }> {
  const repo = new RegistryRepository();
  const tariffs = await inTransaction(pool, async (c) => {
    const { rows } = await c.query<{ id: string }>('SELECT tariff_id AS id FROM tariffs ORDER BY tariff_id');
    for (const r of rows) await repo.enqueue(c, (await repo.tariffSnapshot(c, r.id, 'tariff.republished'))!);
    return rows.length;
  });
  let accounts = 0;
  let after = '';
  for (;;) {
    const n = await inTransaction(pool, async (c) => {
      const { rows } = await c.query<{ id: string }>('SELECT account_id AS id FROM accounts WHERE account_id > $1 ORDER BY account_id LIMIT $2 FOR SHARE', [after, batchSize]);
      for (const r of rows) await repo.enqueue(c, (await repo.accountSnapshot(c, r.id, 'account.republished'))!);
      if (rows.length) after = rows[rows.length - 1]!.id;
      return rows.length;
    });
    accounts += n;
    onProgress(accounts);
    if (n < batchSize) break;
  }
  return { tariffs, accounts };
}
