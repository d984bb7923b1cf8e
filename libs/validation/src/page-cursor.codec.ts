import { validationError } from '@surge/errors/app.error';

/**
 * Opaque page cursors for keyset pagination, one codec for every API: the last item's sort position and
 * id, `position|id` in base64url. A cursor comes back as client input, so decoding accepts only what
 * encoding could have written: the feature's `accept` checks both parts (a position its store can hold, an
 * id of its shape) and anything else is 400 INVALID_CURSOR, never a store error reported as an outage.
 */
export const encodePageCursor = (position: string, id: string): string => Buffer.from(`${position}|${id}`).toString('base64url');

export function decodePageCursor<T>(cursor: string, accept: (position: string, id: string) => T | null): T {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const [position, id] = parts;
  const decoded = parts.length === 2 && position && id ? accept(position, id) : null;
  if (decoded === null) {
    throw validationError('INVALID_CURSOR', 'The cursor is not one this API gave out; start again without it.', [
      { code: 'INVALID_CURSOR', field: 'cursor', message: 'Unknown cursor: pass back nextCursor exactly as received.' },
    ]);
  }
  return decoded;
}
