/** Injection tokens of the timeline app (one file, so controllers and the module share them without cycles). */
export const TIMELINE_CONFIG = Symbol('TIMELINE_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
/** The shared metrics token, so the shared /metrics controller serves this app's registry. */
export { METRICS } from '@surge/http/metrics.controller';
export const LOGGER = Symbol('LOGGER');
export const BATCH_CONSUMER = Symbol('BATCH_CONSUMER');
