/** Injection tokens of the registry app (wiring only: registry.module.ts). */
export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const PUBLISHER = Symbol('PUBLISHER');
export const LOGGER = Symbol('LOGGER');
export const MEMBERSHIP_CONSUMER = Symbol('MEMBERSHIP_CONSUMER');
