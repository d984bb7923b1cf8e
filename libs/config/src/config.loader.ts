import { z } from 'zod';

/**
 * Parses an app's configuration once, at start-up, from an environment map.
 * Every problem is listed at once so an operator fixes them in one go; the
 * process must not start half-configured. Apps call this in main.ts with
 * `process.env`; nothing else in the code base reads the environment.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return result.data;
}
