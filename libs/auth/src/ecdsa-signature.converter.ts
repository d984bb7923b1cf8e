/**
 * A JWS ES256 signature is IEEE P1363 (r || s, 32 bytes each); OpenSSL verifies DER (SEQUENCE of two INTEGERs).
 * node:crypto converts for us when handed `{ key, dsaEncoding: 'ieee-p1363' }`, but on Node 24 that options object
 * takes a slower path through the key handling on every call: CompactJwtVerifier.verify 204-225 us a token with it,
 * 130-137 us with the DER form and the bare KeyObject (`npm run bench:es256 -- --compare <old build's verifier>`,
 * interleaved in one process; on Node 20 the two were level). Converting here is a few hundred nanoseconds.
 * Returns null when the input is not 2 x `half` bytes (the caller refuses the token).
 */
export function p1363ToDer(signature: Uint8Array, half = 32): Buffer | null {
  if (signature.length !== 2 * half) return null;
  const r = derInteger(signature.subarray(0, half));
  const s = derInteger(signature.subarray(half));
  // Both INTEGERs are at most half + 3 bytes: the SEQUENCE's length fits in one byte for P-256 (at most 70).
  const body = r.length + s.length;
  if (body > 127) return null;
  const out = Buffer.allocUnsafe(2 + body);
  out[0] = 0x30;
  out[1] = body;
  out.set(r, 2);
  out.set(s, 2 + r.length);
  return out;
}

/** A DER INTEGER of an unsigned big-endian number: minimal (leading zeros dropped), a 0x00 first if the top bit is set. */
function derInteger(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  const pad = v[0]! & 0x80 ? 1 : 0;
  const out = new Uint8Array(2 + pad + v.length);
  out[0] = 0x02;
  out[1] = pad + v.length;
  if (pad) out[2] = 0;
  out.set(v, 2 + pad);
  return out;
}
