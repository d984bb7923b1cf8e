import { createHash } from 'node:crypto';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';

export interface DevSignIn {
  readonly token: string;
  readonly accountId: string;
  readonly supplyPoints: string[];
  readonly meterSerials: string[];
}

const ACCOUNT = /^[A-Za-z0-9_-]{1,64}$/;
const MPAN = /^\d{13}$/;
const SERIAL = /^[A-Za-z0-9]{1,10}$/;

/**
 * The local stand-in for the supplier's identity provider: it signs the same
 * ES256 customer tokens (acc, sp, ms claims) the APIs verify with the public
 * key. Only constructed when CUSTOMER_WEB_DEV_SIGN_IN is on, which the config
 * refuses outside development/local/test. An account without a given meter
 * gets one derived from its id, so signing in again shows the same meter.
 */
export class DevSignInService {
  constructor(
    private readonly privateKeyPem: string,
    private readonly opts: { issuer: string; audience: string; ttlSeconds: number },
  ) {}

  async signIn(body: unknown): Promise<DevSignIn | { problem: string; field: string }> {
    const b = (body ?? {}) as Record<string, unknown>;
    const accountId = typeof b.accountId === 'string' ? b.accountId.trim() : '';
    if (!ACCOUNT.test(accountId)) return { field: 'accountId', problem: 'Enter an account number: 1 to 64 letters, digits, - or _.' };
    const supplyPoint = typeof b.supplyPointId === 'string' && b.supplyPointId !== '' ? b.supplyPointId : derivedMpan(accountId);
    if (!MPAN.test(supplyPoint)) return { field: 'supplyPointId', problem: 'The MPAN core is 13 digits.' };
    const serial = typeof b.meterSerial === 'string' && b.meterSerial !== '' ? b.meterSerial : derivedSerial(accountId);
    if (!SERIAL.test(serial)) return { field: 'meterSerial', problem: 'The meter serial is 1 to 10 letters and digits.' };
    const claims = { sub: `dev-${accountId}`, acc: accountId, sp: [supplyPoint], ms: [serial] };
    const token = await issueCustomerToken(this.privateKeyPem, claims, { issuer: this.opts.issuer, audience: this.opts.audience, ttlSeconds: this.opts.ttlSeconds });
    return { token, accountId, supplyPoints: claims.sp, meterSerials: claims.ms };
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A valid MPAN core (distributor 10..23, correct check digit) that is stable for the account. */
export function derivedMpan(accountId: string): string {
  const d = digest(accountId);
  const distributor = 10 + (d[0]! % 14);
  const body = (d.readBigUInt64BE(1) % 10_000_000_000n).toString().padStart(10, '0');
  const first12 = `${distributor}${body}`;
  return `${first12}${mpanCheckDigit(first12)}`;
}

export function derivedSerial(accountId: string): string {
  return `W${digest(`serial:${accountId}`).toString('hex').slice(0, 9).toUpperCase()}`;
}
