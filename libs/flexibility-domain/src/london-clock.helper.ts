/**
 * Wall-clock time in Europe/London for instants, with the ECMAScript Intl API only (no I/O, no
 * Node modules): preferences and baselines are about the member's clock ("evenings", "the same
 * half-hour"), which moves by an hour at the clock changes.
 */
const FORMAT = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  weekday: 'short',
  hourCycle: 'h23',
});

export interface LondonTime {
  /** YYYY-MM-DD */
  readonly day: string;
  /** Minutes since local midnight. */
  readonly minuteOfDay: number;
  /** 0 = Sunday ... 6 = Saturday */
  readonly weekday: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

// Intl formatting costs microseconds a call and a dispatch asks about the same few instants (the event's
// start, end and resume times) for every device: remember the last answers (bounded).
const CACHE = new Map<number, LondonTime>();

/** An instant, or ms since the epoch (a settlement asks about a million stored half-hours: no Date each). */
export function londonTime(instant: Date | number): LondonTime {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const hit = CACHE.get(ms);
  if (hit) return hit;
  if (CACHE.size >= 4096) CACHE.clear();
  const t = formatLondon(new Date(ms));
  CACHE.set(ms, t);
  return t;
}

function formatLondon(instant: Date): LondonTime {
  const parts = Object.fromEntries(FORMAT.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    day: `${parts.year}-${parts.month}-${parts.day}`,
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: WEEKDAYS.indexOf(parts.weekday!),
  };
}

/** 'HH:MM' (24 h) to minutes since midnight; throws on anything else. */
export function parseClock(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`'${hhmm}' is not a time of day HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The member's way of saying a time: 18:45 -> "6:45", 09:00 -> "9:00" (the notification's words). */
export function spokenClock(instant: Date): string {
  const { minuteOfDay } = londonTime(instant);
  const h = Math.floor(minuteOfDay / 60) % 12 || 12;
  return `${h}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

/** The part of the day an event starts in, for the programme view ("evening windows"). */
export type DayPart = 'night' | 'morning' | 'afternoon' | 'evening';
export function dayPartOf(instant: Date): DayPart {
  const m = londonTime(instant).minuteOfDay;
  if (m < 6 * 60) return 'night';
  if (m < 12 * 60) return 'morning';
  if (m < 16 * 60) return 'afternoon';
  if (m < 22 * 60) return 'evening';
  return 'night';
}
