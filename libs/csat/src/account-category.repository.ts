import type { Pool } from 'pg';
import type { CustomerCategory } from './invitation.policy';

/**
 * The account-category lookup CSAT owns. Fed today by operations or a
 * backfill (and tests); tomorrow by a consumer of billing's account.updated
 * event, which calls `upsert` with the event's effective time. An account
 * with no row gets the configured default category.
 */
export class PgAccountCategoryRepository {
  constructor(private readonly pool: Pool) {}

  /** Last writer by `asOf` wins, whatever order updates arrive in (redeliveries included). */
  async upsert(accountId: string, category: CustomerCategory, asOf: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO csat.account_categories (account_id, category, as_of) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO UPDATE SET category = EXCLUDED.category, as_of = EXCLUDED.as_of, updated_at = now()
       WHERE csat.account_categories.as_of < EXCLUDED.as_of`,
      [accountId, category, asOf],
    );
  }

  async find(accountId: string): Promise<CustomerCategory | null> {
    const { rows } = await this.pool.query<{ category: CustomerCategory }>('SELECT category FROM csat.account_categories WHERE account_id = $1', [accountId]);
    return rows[0]?.category ?? null;
  }
}
