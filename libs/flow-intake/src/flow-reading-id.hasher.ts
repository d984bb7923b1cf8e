/**
 * The reading ids of one flow, the same ids as flowReadingId (flow-id.ts: a v5-layout UUID over SHA-1 of
 * `surge-industry-flow:reading|<flow id>|<line>`), made about ten times cheaper for a million readings.
 *
 * Why: every reading of a flow hashes the same prefix and only the line number differs. With a 36-character
 * flow id the prefix is exactly one SHA-1 block (64 bytes), so its state is computed once per flow and each
 * reading costs one compression of its own last block in plain JS, instead of a native crypto call (about
 * 12 µs a reading in the 1,000,000-reading intake profile, docs/benchmarks.md "D0010 intake"). Any prefix
 * length works (whole blocks are precomputed, the rest is hashed with the line). Byte-identical to
 * node:crypto's SHA-1: pinned by flow-reading-id.hasher.spec.ts, so published ids and a resumed flow's ids
 * are unchanged.
 */
export class FlowReadingIdHasher {
  private readonly state = new Int32Array(5);
  private readonly tail: Uint8Array;
  private readonly prefixBytes: number;
  private readonly block = new Uint8Array(128);
  private readonly w = new Int32Array(80);
  private readonly work = new Int32Array(5);
  private readonly text = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

  constructor(flowId: string) {
    const prefix = Buffer.from(`surge-industry-flow:reading|${flowId}|`, 'utf8');
    this.prefixBytes = prefix.length;
    this.state.set([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]);
    const whole = prefix.length - (prefix.length % 64);
    for (let off = 0; off < whole; off += 64) compress(this.state, prefix, off, this.w);
    this.tail = prefix.subarray(whole);
  }

  /** The reading id of the 030 on this line (a positive whole number). */
  idOf(line: number): string {
    const digits = String(line);
    const b = this.block;
    const t = this.tail;
    let n = 0;
    for (; n < t.length; n++) b[n] = t[n]!;
    for (let i = 0; i < digits.length; i++) b[n++] = digits.charCodeAt(i);
    const messageBytes = this.prefixBytes + digits.length;
    b[n++] = 0x80;
    const blocks = n + 8 <= 64 ? 1 : 2;
    const end = blocks * 64;
    while (n < end - 8) b[n++] = 0;
    // The message length in bits, big-endian 64-bit (a flow's prefix and line stay far below 2^29 bytes).
    const bits = messageBytes * 8;
    b[n++] = 0;
    b[n++] = 0;
    b[n++] = 0;
    b[n++] = 0;
    b[n++] = (bits >>> 24) & 0xff;
    b[n++] = (bits >>> 16) & 0xff;
    b[n++] = (bits >>> 8) & 0xff;
    b[n++] = bits & 0xff;
    const s = this.work;
    s.set(this.state);
    compress(s, b, 0, this.w);
    if (blocks === 2) compress(s, b, 64, this.w);
    return uuidOf(s, this.text);
  }
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 digest bytes goes in the 36-character UUID text (the dashes sit at 8, 13, 18, 23). */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * The first 16 bytes of the digest as a UUID, version 5 and the RFC 4122 variant set (as nameUuid does).
 * Written as bytes and read as one latin1 string: a flat string, not a rope of 21 concatenations that every
 * later read (the encoder, the socket) would have to flatten.
 */
function uuidOf(s: Int32Array, out: Buffer): string {
  for (let i = 0; i < 16; i++) {
    let byte = (s[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
    if (i === 6) byte = (byte & 0x0f) | 0x50;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    out[AT[i]!] = HEX_DIGITS[byte >>> 4]!;
    out[AT[i]! + 1] = HEX_DIGITS[byte & 0x0f]!;
  }
  return out.toString('latin1', 0, 36);
}

/** One SHA-1 compression (FIPS 180-4) of the 64 bytes at `off` into `h`. */
function compress(h: Int32Array, m: Uint8Array, off: number, w: Int32Array): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    w[i] = (m[j]! << 24) | (m[j + 1]! << 16) | (m[j + 2]! << 8) | m[j + 3]!;
  }
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  for (let i = 0; i < 80; i++) {
    let f: number;
    let k: number;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc | 0;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6 | 0;
    }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
}
