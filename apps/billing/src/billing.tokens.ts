/** Injection tokens of the billing app (wiring only: billing.module.ts). */
export const BILLING_CONFIG = Symbol('BILLING_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const CLICKHOUSE = Symbol('CLICKHOUSE');
export const REDIS = Symbol('REDIS');
export const LOGGER = Symbol('LOGGER');
export const BILLING = Symbol('BILLING');
