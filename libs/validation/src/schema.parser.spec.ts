import { z } from 'zod';
import { AppError } from '@surge/errors/app.error';
import { parseOrThrow } from './schema.parser';

const schema = z.strictObject({ name: z.string() });
const refusal = (input: unknown, options?: { namesUnknownFields?: boolean }): AppError => {
  try {
    parseOrThrow(schema, input, options);
  } catch (e) {
    return e as AppError;
  }
  throw new Error('parsed');
};

describe('parseOrThrow', () => {
  it('returns the parsed value', () => expect(parseOrThrow(schema, { name: 'a' })).toEqual({ name: 'a' }));

  it('reports every field problem as VALIDATION_FAILED by default, unknown fields at their path', () => {
    const e = refusal({ name: 1, colour: 'red' });
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details.issues?.map((i) => [i.code, i.field])).toEqual([
      ['INVALID_FIELD', 'name'],
      ['UNKNOWN_FIELD', '(body)'],
    ]);
  });

  it('names unknown fields, and answers UNKNOWN_FIELD when they are the only problem, when asked to', () => {
    const e = refusal({ name: 'a', vaule: 1 }, { namesUnknownFields: true });
    expect(e.code).toBe('UNKNOWN_FIELD');
    expect(e.details.issues).toEqual([{ code: 'UNKNOWN_FIELD', field: 'vaule', message: 'Unknown field(s): vaule. Remove them or check the spelling.' }]);
    expect(refusal({ vaule: 1 }, { namesUnknownFields: true }).code).toBe('VALIDATION_FAILED');
  });
});
