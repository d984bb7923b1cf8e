/**
 * Readings are kept to the second (ClickHouse DateTime). Every comparison
 * of reading instants uses this same precision, so a reading's identity
 * never hinges on milliseconds a client happened to send.
 */
export const toStoredInstant = (iso: string): string => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString();
