import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { p1363ToDer } from './ecdsa-signature.converter';

describe('p1363ToDer', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('gives the DER signature OpenSSL makes, for many signatures (leading zeros and high bits included)', () => {
    for (let i = 0; i < 300; i++) {
      const data = Buffer.from(`payload ${i}`);
      const p1363 = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const der = p1363ToDer(p1363)!;
      expect(verify('sha256', data, publicKey, der)).toBe(true);
      // And it is exactly the DER of the same (r, s): node converts the other way to the same P1363 bytes.
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true);
    }
  });

  it('encodes minimal INTEGERs: leading zero bytes dropped, 0x00 added before a set top bit', () => {
    const sig = new Uint8Array(64);
    sig[31] = 1; // r = 1
    sig[32] = 0x80; // s = 0x80 followed by zeros
    const der = p1363ToDer(sig)!;
    expect([...der.subarray(0, 5)]).toEqual([0x30, 3 + 35, 0x02, 0x01, 0x01]);
    expect([...der.subarray(5, 8)]).toEqual([0x02, 33, 0x00]);
    expect(der[8]).toBe(0x80);
  });

  it('refuses a signature of the wrong length', () => {
    expect(p1363ToDer(new Uint8Array(63))).toBeNull();
    expect(p1363ToDer(new Uint8Array(65))).toBeNull();
  });

  it('a tampered signature still fails verification after conversion', () => {
    const data = Buffer.from('payload');
    const p1363 = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    p1363[10] = p1363[10]! ^ 1;
    expect(verify('sha256', data, publicKey, p1363ToDer(p1363)!)).toBe(false);
  });
});
