import { BILLING_MIGRATIONS } from '@surge/billing/billing-postgres.migrations';
import { ceilingTriggerFunction } from './write-ceiling-trigger.builder';

/** The newest migration's body of billing_bills_no_overlap, headed as pg_get_functiondef prints it. */
function currentDefinition(): string {
  const latest = [...BILLING_MIGRATIONS].reverse().find((m) => m.sql.includes('CREATE FUNCTION billing_bills_no_overlap()'));
  if (latest === undefined) throw new Error('no migration defines billing_bills_no_overlap');
  const sql = latest.sql;
  const start = sql.indexOf('CREATE FUNCTION billing_bills_no_overlap()');
  const end = sql.indexOf('$$;', start) + 2;
  return sql.slice(start, end).replace('CREATE FUNCTION billing_bills_no_overlap()', 'CREATE OR REPLACE FUNCTION public.billing_bills_no_overlap()');
}

describe('ceilingTriggerFunction', () => {
  it('renames the function and the table its overlap query searches, and nothing else', () => {
    const original = currentDefinition();
    const ceiling = ceilingTriggerFunction(original);
    expect(ceiling).toContain('CREATE OR REPLACE FUNCTION public.ceiling_bills_no_overlap()');
    expect(ceiling).toContain('FROM ceiling_bills b');
    expect(ceiling).not.toMatch(/\bFROM bills b\b/);
    // The account locks and the reference check stay on the accounts table, over the statement's new rows.
    expect(ceiling).toContain('FROM accounts WHERE account_id IN (SELECT account_id FROM new_bills)');
    expect(ceiling.replace('ceiling_bills_no_overlap', 'billing_bills_no_overlap').replace('FROM ceiling_bills b', 'FROM bills b')).toBe(original);
  });

  it('refuses a definition of another shape rather than measure a different check', () => {
    expect(() => ceilingTriggerFunction('CREATE OR REPLACE FUNCTION public.other() RETURNS trigger AS $$ SELECT 1 FROM bills b $$')).toThrow(/changed shape/);
    const twice = currentDefinition().replace('FROM bills b', 'FROM bills b JOIN bills b2 ON true WHERE EXISTS (SELECT 1 FROM bills b)');
    expect(() => ceilingTriggerFunction(twice)).toThrow(/2 searches/);
  });
});
