import type { z } from 'zod';
import { validationError, type FieldIssue } from '@surge/errors/app.error';

export interface ParseOptions {
  /**
   * Name unknown fields one by one ("Unknown field(s): vaule. Remove them or check the spelling.") and
   * answer UNKNOWN_FIELD when they are the only problem. The read API's submission contract documents
   * this; the other APIs keep the generic form (VALIDATION_FAILED, the field reported as its path).
   */
  readonly namesUnknownFields?: boolean;
}

/** The field issues of a failed zod parse: one per problem, each with the field and a message a person can act on. */
export function fieldIssues(error: z.ZodError, options: ParseOptions = {}): FieldIssue[] {
  return error.issues.map((i) => {
    if (options.namesUnknownFields && i.code === 'unrecognized_keys') {
      return { code: 'UNKNOWN_FIELD', field: i.keys.join(','), message: `Unknown field(s): ${i.keys.join(', ')}. Remove them or check the spelling.` };
    }
    const field = i.path.join('.') || '(body)';
    return { code: i.code === 'unrecognized_keys' ? 'UNKNOWN_FIELD' : 'INVALID_FIELD', field, message: `${field}: ${i.message}` };
  });
}

/** Parses with a zod schema or throws a VALIDATION_FAILED (or, see ParseOptions, UNKNOWN_FIELD) AppError listing every field problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, options: ParseOptions = {}): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error, options);
  const code = options.namesUnknownFields && issues.every((i) => i.code === 'UNKNOWN_FIELD') ? 'UNKNOWN_FIELD' : 'VALIDATION_FAILED';
  throw validationError(code, issues.map((i) => i.message).join(' '), issues);
}
