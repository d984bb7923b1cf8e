import { AppError } from '@surge/errors/app.error';
import { decodePageCursor, encodePageCursor } from './page-cursor.codec';

const accept = (position: string, id: string) => (/^\d+$/.test(position) ? { position: Number(position), id } : null);
const refusal = (cursor: string): string => {
  try {
    decodePageCursor(cursor, accept);
  } catch (e) {
    return (e as AppError).code;
  }
  return 'accepted';
};

describe('page cursors', () => {
  it('round-trips what it wrote', () => expect(decodePageCursor(encodePageCursor('42', 'abc'), accept)).toEqual({ position: 42, id: 'abc' }));

  it("refuses anything it could not have written, and what the feature's check refuses, as 400 INVALID_CURSOR", () => {
    expect(refusal('not base64 at all!')).toBe('INVALID_CURSOR');
    expect(refusal(Buffer.from('42|abc|x').toString('base64url'))).toBe('INVALID_CURSOR');
    expect(refusal(Buffer.from('|abc').toString('base64url'))).toBe('INVALID_CURSOR');
    expect(refusal(Buffer.from('42|').toString('base64url'))).toBe('INVALID_CURSOR');
    expect(refusal(encodePageCursor('1e300', 'abc'))).toBe('INVALID_CURSOR');
  });
});
