import { createPostgresPool } from './postgres.factory';
import { copyRows, copyToBuffers } from './postgres-copy.writer';
import { testEnv } from '@surge-test/support/test-env.config';

describe('COPY FROM STDIN without a dependency (real PostgreSQL)', () => {
  const pool = createPostgresPool(testEnv.DATABASE_URL, { max: 1, applicationName: 'it-copy' });
  afterAll(() => pool.end());

  it('writes every value back exactly: tabs, newlines, backslashes, NULL, unicode, numerics, booleans, JSON', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('CREATE TEMP TABLE copy_check (s text, n numeric, b boolean, j jsonb, i int) ON COMMIT DROP');
      const rows = [
        ['plain', '28.34', true, JSON.stringify({ a: 'x\ty', b: ['\\', '\n'] }), 1],
        ['tab\there, new\nline, back\\slash, cr\r', '-0.000000000000000000012', false, '[]', 2],
        [null, null, null, null, null],
        ['£ – “quotes” \\N', '12345678901234567890.12345678901234567890', true, '{"k":"\\u00e9 \\\\N"}', 3],
      ] as const;
      expect(await copyRows(client, 'copy_check', ['s', 'n', 'b', 'j', 'i'], rows)).toBe(4);
      const { rows: back } = await client.query('SELECT s, n::text AS n, b, j::text AS j, i FROM copy_check ORDER BY i NULLS LAST');
      expect(back).toEqual([
        { s: 'plain', n: '28.34', b: true, j: '{"a": "x\\ty", "b": ["\\\\", "\\n"]}', i: 1 },
        { s: 'tab\there, new\nline, back\\slash, cr\r', n: '-0.000000000000000000012', b: false, j: '[]', i: 2 },
        { s: '£ – “quotes” \\N', n: '12345678901234567890.12345678901234567890', b: true, j: '{"k": "é \\\\N"}', i: 3 },
        { s: null, n: null, b: null, j: null, i: null },
      ]);
      const out = await copyToBuffers(client, 'COPY (SELECT s, i FROM copy_check WHERE i = 2) TO STDOUT');
      expect(Buffer.concat(out).toString()).toBe('tab\\there, new\\nline, back\\\\slash, cr\\r\t2\n');
      await client.query('COMMIT');
    } finally {
      client.release(true);
    }
  });

  it('a row the table refuses fails the whole COPY (nothing written) and the connection stays usable', async () => {
    const client = await pool.connect();
    try {
      await client.query('CREATE TEMP TABLE copy_refuse (id int PRIMARY KEY)');
      await client.query('BEGIN');
      await expect(copyRows(client, 'copy_refuse', ['id'], [[1], [2], [1]])).rejects.toMatchObject({ code: '23505' });
      await client.query('ROLLBACK');
      expect((await client.query('SELECT count(*)::int AS n FROM copy_refuse')).rows[0].n).toBe(0);
      expect(await copyRows(client, 'copy_refuse', ['id'], [[1], [2]])).toBe(2);
    } finally {
      client.release(true);
    }
  });
});
