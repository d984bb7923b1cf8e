/** Injection tokens of the CSAT app (one file, so controllers and the module share them without cycles). */
export const CSAT_CONFIG = Symbol('CSAT_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const CLICKHOUSE = Symbol('CLICKHOUSE');
/** The shared metrics token, so the shared /metrics controller serves this app's registry. */
export { METRICS } from '@surge/http/metrics.controller';
export const LOGGER = Symbol('LOGGER');
export const BATCH_CONSUMER = Symbol('BATCH_CONSUMER');
export const ANALYTICS = Symbol('ANALYTICS');
export const EVENT_PUBLISHER = Symbol('EVENT_PUBLISHER');
export const EVENTS_RELAY = Symbol('EVENTS_RELAY');
