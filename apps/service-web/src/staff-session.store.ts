import { randomBytes } from 'node:crypto';

const STAFF_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_SESSIONS = 10_000;

/**
 * Development staff sessions (the stand-in for the staff identity provider): an opaque random id the page
 * sends as `X-Staff-Session`; the proxy swaps it for the staff API key, so the key never reaches the
 * browser. In memory, bounded, expiring: a restart signs everyone out, which is fine for local use. Only
 * constructed when SERVICE_WEB_DEV_SIGN_IN is on (refused by the config outside development and test).
 */
export class StaffSessionStore {
  private readonly sessions = new Map<string, { staffId: string; expiresAtMs: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {}

  open(body: unknown): { session: string; staffId: string; expiresAt: string } | { problem: string } {
    const staffId = typeof (body as { staffId?: unknown })?.staffId === 'string' ? (body as { staffId: string }).staffId.trim() : '';
    if (!STAFF_ID.test(staffId)) return { problem: 'Enter your staff id: 1 to 64 letters, digits, dot, - or _.' };
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session = randomBytes(24).toString('base64url');
    const expiresAtMs = this.clock() + this.ttlSeconds * 1000;
    this.sessions.set(session, { staffId, expiresAtMs });
    return { session, staffId, expiresAt: new Date(expiresAtMs).toISOString() };
  }

  /** The staff id of a live session, or undefined. */
  staffOf(session: string | undefined): string | undefined {
    if (!session) return undefined;
    const s = this.sessions.get(session);
    if (!s) return undefined;
    if (s.expiresAtMs <= this.clock()) {
      this.sessions.delete(session);
      return undefined;
    }
    return s.staffId;
  }

  private sweep(): void {
    const now = this.clock();
    for (const [k, s] of this.sessions) if (s.expiresAtMs <= now) this.sessions.delete(k);
  }
}
