import { randomBytes } from 'node:crypto';

/**
 * Bill ids: UUID version 7 (RFC 9562), a 48-bit millisecond timestamp then
 * random bits. Ids issued close in time sort close together, so the bills
 * and bill_lines primary keys grow at their right edge instead of touching a
 * random index page per bill (a million random UUIDs spread every insert
 * over an index larger than the buffer cache). Unique like any UUID: 74
 * random bits per millisecond.
 */
export function uuidV7(now: number = Date.now(), random: Buffer = randomBytes(10)): string {
  if (!Number.isSafeInteger(now) || now < 0) throw new RangeError('uuidV7 needs a non-negative millisecond timestamp');
  const b = Buffer.alloc(16);
  b.writeUIntBE(now, 0, 6);
  random.copy(b, 6, 0, 10);
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
