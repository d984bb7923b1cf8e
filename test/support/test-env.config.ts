import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { infraFields } from '@surge/config/config.fields';

/**
 * Where the integration and e2e tiers find the real servers: the local stack
 * by default (`npm run stack -- up`), or anything the environment names.
 * Parsed once, like an app's config.
 */
export const testEnv = loadConfig(z.object(infraFields), process.env);

/** A name no other test (or earlier run) uses: each test gets its own database or topics. */
export const uniqueName = (prefix: string): string => `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

export const clickHouseSettings = (database: string) => ({
  url: testEnv.CLICKHOUSE_URL,
  database,
  username: testEnv.CLICKHOUSE_USER,
  password: testEnv.CLICKHOUSE_PASSWORD,
});

export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
