import type { z } from 'zod';
import { validationError, type FieldIssue } from '@surge/errors/app.error';

/** Parses with a zod schema or throws a VALIDATION_FAILED AppError listing every field problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((i) => {
    const field = i.path.join('.') || '(body)';
    return { code: i.code === 'unrecognized_keys' ? 'UNKNOWN_FIELD' : 'INVALID_FIELD', field, message: `${field}: ${i.message}` };
  });
  throw validationError('VALIDATION_FAILED', issues.map((i) => i.message).join(' '), issues);
}
