import { parseUkDateOrInstant } from '@surge/meter-domain/uk-calendar.model';
import { parseInstant } from '@surge/meter-domain/instant.model';

/**
 * Readings are kept to the second (ClickHouse DateTime). Every comparison
 * of reading instants uses this same precision, so a reading's identity
 * never hinges on milliseconds a client happened to send. A date alone
 * ('2022-03-31', "a reading dated D") is 00:00 Europe/London that day, the
 * product's convention (docs/decisions), so it is stored as that instant and
 * everything downstream (events, sink, ClickHouse) sees only instants.
 */
export const toStoredInstant = (iso: string): string => {
  // Already stored form (what read-api and flow-intake publish): the same string back, without a Date. Only for a
  // valid instant (parseInstant checks the calendar), where toISOString would print exactly these characters.
  if (iso.length === 24 && iso.charCodeAt(23) === 90 /* Z */ && iso.endsWith('.000Z') && parseInstant(iso) !== null) return iso;
  const ms = parseUkDateOrInstant(iso) ?? Date.parse(iso);
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
};
