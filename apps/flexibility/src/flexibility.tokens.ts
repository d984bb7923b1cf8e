/** Injection tokens of the flexibility app (wiring only: flexibility.module.ts). */
export const FLEX_CONFIG = Symbol('FLEX_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const PUBLISHER = Symbol('PUBLISHER');
export const LOGGER = Symbol('LOGGER');
