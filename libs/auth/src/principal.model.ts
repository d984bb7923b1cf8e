/**
 * Who is calling. Customers come with a bearer JWT naming their account and
 * the supply points and meters on it; data collectors and internal services
 * with an API key carrying scopes.
 */
export type Scope =
  | 'readings:submit' // submit readings for any account (collectors)
  | 'readings:read' // read any account's readings (customer service, billing)
  | 'readings:review' // list held readings and accept or reject them (review staff)
  | 'billing:run' // start and watch bill runs
  | 'billing:read'
  | 'csat:read' // programme team dashboards
  | 'registry:write' // create and change accounts, meters, tariffs, agreements (registry staff, migrations)
  | 'registry:read'
  | 'timeline:read' // customer service: any account's timeline and the account search
  | 'flows:submit' // send industry flow files (D0010) and see their own flows' status and reports (data collectors)
  | 'flows:read' // see any collector's flows (operations staff)
  | 'flex:manage' // flexibility programme team: programmes, events, dispatch, settlement
  | 'flex:read';

export interface CustomerPrincipal {
  readonly kind: 'customer';
  readonly id: string;
  readonly accountId: string;
  readonly supplyPointIds: readonly string[];
  readonly meterSerials: readonly string[];
  /** Which of our front ends the customer signed in with (token claim `ch`, set by the identity provider); web when absent. */
  readonly channel?: 'web' | 'app';
}

export interface ServicePrincipal {
  readonly kind: 'service';
  readonly id: string;
  readonly scopes: readonly Scope[];
}

export type Principal = CustomerPrincipal | ServicePrincipal;

export const hasScope = (p: Principal, scope: Scope): boolean => p.kind === 'service' && p.scopes.includes(scope);

/** A stable key for per-caller state (rate limits, idempotency keys). */
export const principalKey = (p: Principal): string => `${p.kind}:${p.id}`;
