import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, port, url } from '@surge/config/config.fields';

/** Environments in which the development staff sign-in may be switched on: never a shared or production one. */
export const DEV_SIGN_IN_ENVIRONMENTS = ['development', 'local', 'test'] as const;

const schema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: port(3007),
    NODE_ENV: z.string().optional(),
    ENV: z.string().optional(),
    /** The timeline service, proxied same-origin under /api/timeline (no CORS). */
    TIMELINE_URL: url('http://127.0.0.1:3006'),
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    UPSTREAM_RETRY_AFTER_SECONDS: z.coerce.number().int().positive().default(2),
    /** Built page shell and assets: dist/apps/service-web/public. */
    SERVICE_WEB_PUBLIC_DIR: z.string().optional(),
    /**
     * Local stand-in for the staff identity provider: a sign-in that opens a session on this server, whose
     * requests the proxy sends with the staff API key below (the browser never holds the key). Refused at
     * start-up unless NODE_ENV or ENV is development, local or test.
     */
    SERVICE_WEB_DEV_SIGN_IN: bool(false),
    SERVICE_WEB_DEV_STAFF_KEY: z.string().optional(),
    /** Lifetime of a development staff session. */
    SERVICE_WEB_SESSION_TTL_SECONDS: z.coerce.number().int().positive().max(12 * 3600).default(8 * 3600),
  })
  .superRefine((c, ctx) => {
    if (!c.SERVICE_WEB_DEV_SIGN_IN) return;
    const envs = [c.NODE_ENV, c.ENV].filter((e): e is string => e !== undefined && e !== '');
    if (!(envs.length > 0 && envs.every((e) => (DEV_SIGN_IN_ENVIRONMENTS as readonly string[]).includes(e)))) {
      ctx.addIssue({
        code: 'custom',
        path: ['SERVICE_WEB_DEV_SIGN_IN'],
        message: `the development staff sign-in is only for local use: set NODE_ENV or ENV to one of ${DEV_SIGN_IN_ENVIRONMENTS.join(', ')} (and neither to anything else), or turn it off`,
      });
    }
    if (!c.SERVICE_WEB_DEV_STAFF_KEY) ctx.addIssue({ code: 'custom', path: ['SERVICE_WEB_DEV_STAFF_KEY'], message: 'the development staff sign-in needs the dev staff API key (with timeline:read)' });
  });

export type ServiceWebConfig = z.infer<typeof schema>;

export const loadServiceWebConfig = (env: Record<string, string | undefined>): ServiceWebConfig => loadConfig(schema, env);
