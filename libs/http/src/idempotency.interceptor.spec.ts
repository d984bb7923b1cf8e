import { idempotencyClaimOf } from './idempotency.interceptor';

type Req = Parameters<typeof idempotencyClaimOf>[0];
const request = (url: string, params: Record<string, string> | undefined, body: unknown): Req =>
  ({
    headers: { 'idempotency-key': 'review-key-0001' },
    principal: { kind: 'service', id: 'reviewer', scopes: [] },
    routeOptions: { url },
    params,
    body,
  }) as unknown as Req;

describe('idempotencyClaimOf', () => {
  it('scopes a key to the route\u2019s path parameters: the same key and body on two readings are two requests', () => {
    const body = { decision: 'accept', note: 'ok' };
    const a = idempotencyClaimOf(request('/v1/held-readings/:id/decision', { id: '00000000-0000-4000-8000-00000000000a' }, body));
    const b = idempotencyClaimOf(request('/v1/held-readings/:id/decision', { id: '00000000-0000-4000-8000-00000000000b' }, body));
    expect(a).not.toBe('none');
    expect((a as { scope: string }).scope).not.toBe((b as { scope: string }).scope);
  });

  it('keeps the scope of routes without parameters as it was (caller and route template)', () => {
    expect(idempotencyClaimOf(request('/v1/meter-readings', {}, { value: '1' }))).toMatchObject({ scope: 'service:reviewer:/v1/meter-readings', key: 'review-key-0001' });
  });
});
