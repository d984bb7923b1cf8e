import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, port, url } from '@surge/config/config.fields';

/** Environments in which the development sign-in may be switched on: never a shared or production one. */
export const DEV_SIGN_IN_ENVIRONMENTS = ['development', 'local', 'test'] as const;

const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: port(3004),
    /** NODE_ENV or ENV name the environment; production sets one of them to production. */
    NODE_ENV: z.string().optional(),
    ENV: z.string().optional(),
    /** The upstreams the page's /api/* paths are proxied to (same origin: no CORS preflight per request). */
    READ_API_URL: url('http://127.0.0.1:3000'),
    BILLING_URL: url('http://127.0.0.1:3002'),
    CSAT_URL: url('http://127.0.0.1:3003'),
    /** How long the proxy waits on an upstream before answering 503 + Retry-After (the page retries). */
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    /** Seconds the page is told to wait when an upstream is unreachable. */
    UPSTREAM_RETRY_AFTER_SECONDS: z.coerce.number().int().positive().default(2),
    /** Built page shell and assets (content-hashed, precompressed): dist/apps/customer-web/public. */
    CUSTOMER_WEB_PUBLIC_DIR: z.string().optional(),
    /**
     * Local stand-in for the supplier's identity provider: issues ES256 customer tokens with the dev private key.
     * Refused at start-up unless NODE_ENV or ENV is development, local or test.
     */
    CUSTOMER_WEB_DEV_SIGN_IN: bool(false),
    JWT_PRIVATE_KEY: z.string().optional(),
    JWT_ISSUER: z.string().min(1).default('https://id.surge.local'),
    JWT_AUDIENCE: z.string().min(1).default('surge-api'),
    /** Lifetime of a dev token; read-api refuses tokens older than its JWT_MAX_TOKEN_AGE_SECONDS anyway. */
    DEV_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().max(12 * 3600).default(3600),
  })
  .superRefine((c, ctx) => {
    if (!c.CUSTOMER_WEB_DEV_SIGN_IN) return;
    const envs = [c.NODE_ENV, c.ENV].filter((e): e is string => e !== undefined && e !== '');
    const allowed = envs.length > 0 && envs.every((e) => (DEV_SIGN_IN_ENVIRONMENTS as readonly string[]).includes(e));
    if (!allowed) {
      ctx.addIssue({
        code: 'custom',
        path: ['CUSTOMER_WEB_DEV_SIGN_IN'],
        message: `the development sign-in is only for local use: set NODE_ENV or ENV to one of ${DEV_SIGN_IN_ENVIRONMENTS.join(', ')} (and neither to anything else), or turn it off`,
      });
    }
    if (!c.JWT_PRIVATE_KEY) {
      ctx.addIssue({ code: 'custom', path: ['JWT_PRIVATE_KEY'], message: 'the development sign-in needs the dev PEM private key (PKCS#8) that signs customer tokens' });
    }
  });

export type CustomerWebConfig = z.infer<typeof schema>;

export const loadCustomerWebConfig = (env: Record<string, string | undefined>): CustomerWebConfig => loadConfig(schema, env);
