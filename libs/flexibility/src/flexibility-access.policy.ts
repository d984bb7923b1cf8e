import { type Principal, hasScope } from '@surge/auth/principal.model';
import { forbidden, notFound } from '@surge/errors/app.error';

/**
 * Who may do what. Members (customer tokens) act on their own account only: another account's devices,
 * reports or notifications are 404 (nothing leaks that they exist). Staff: API keys with flex:manage
 * (programmes, events, dispatch, settlement, views); flex:read reads.
 */
export function ownAccount(principal: Principal, accountId: string): void {
  if (principal.kind !== 'customer' || principal.accountId !== accountId) {
    if (principal.kind === 'service' && (hasScope(principal, 'flex:manage') || hasScope(principal, 'flex:read'))) return;
    throw notFound('ACCOUNT_NOT_FOUND', `No account ${accountId} for this caller.`);
  }
}

/** Members only: enrolment and preferences are the member's own say, never staff's. */
export function memberOf(principal: Principal, accountId: string): void {
  if (principal.kind !== 'customer' || principal.accountId !== accountId) throw notFound('ACCOUNT_NOT_FOUND', `No account ${accountId} for this caller.`);
}

export function requireFlexScope(principal: Principal, scope: 'flex:manage' | 'flex:read'): void {
  const ok = hasScope(principal, scope) || (scope === 'flex:read' && hasScope(principal, 'flex:manage'));
  if (!ok) throw forbidden('INSUFFICIENT_SCOPE', `This needs an API key with scope ${scope}.`);
}
