export const FLOW_CONFIG = Symbol('FLOW_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const PUBLISHER = Symbol('PUBLISHER');
export const LOGGER = Symbol('LOGGER');
export const OUTCOME_CONSUMER = Symbol('OUTCOME_CONSUMER');
