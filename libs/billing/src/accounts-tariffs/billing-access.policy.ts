import { type Principal, type Scope, hasScope } from '@surge/auth/principal.model';
import { forbidden, notFound } from '@surge/errors/app.error';

/** Staff operations: a service principal with one of the scopes, else 403 INSUFFICIENT_SCOPE. */
export function requireScope(principal: Principal, ...scopes: Scope[]): void {
  if (!scopes.some((s) => hasScope(principal, s))) {
    throw forbidden('INSUFFICIENT_SCOPE', `This needs an API key with scope ${scopes.join(' or ')}.`);
  }
}

/**
 * An account's bills: the customer whose account it is, or staff with
 * billing:read. Another customer's account answers 404 exactly like one that
 * does not exist, so account ids cannot be probed.
 */
export function requireAccountAccess(principal: Principal, accountId: string): void {
  if (principal.kind === 'customer') {
    if (principal.accountId !== accountId) throw notFound('ACCOUNT_NOT_FOUND', `No account ${accountId} is yours.`);
    return;
  }
  requireScope(principal, 'billing:read');
}
