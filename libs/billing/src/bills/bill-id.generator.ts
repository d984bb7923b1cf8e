import { randomFillSync } from 'node:crypto';

// Random bits are drawn from the CSPRNG 4 KiB at a time (a bill run asks for a million ids; one call each was a
// measurable share of a chunk's CPU). Each id takes its own 10 bytes; none is ever handed out twice.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function randomTen(): Buffer {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + 10);
  poolOffset += 10;
  return out;
}

/**
 * Bill ids: UUID version 7 (RFC 9562), a 48-bit millisecond timestamp then
 * random bits. Ids issued close in time sort close together, so the bills
 * and bill_lines primary keys grow at their right edge instead of touching a
 * random index page per bill (a million random UUIDs spread every insert
 * over an index larger than the buffer cache). Unique like any UUID: 74
 * random bits per millisecond.
 */
export function uuidV7(now: number = Date.now(), random: Buffer = randomTen()): string {
  if (!Number.isSafeInteger(now) || now < 0) throw new RangeError('uuidV7 needs a non-negative millisecond timestamp');
  const b = Buffer.alloc(16);
  b.writeUIntBE(now, 0, 6);
  random.copy(b, 6, 0, 10);
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
