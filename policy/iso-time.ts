// Date#toISOString's text from a time value, by arithmetic. A one-shot scan made no other use of a
// Date, and V8 makes the first one slowly: constructing it ~0.15 ms (Node 26), and the first
// toISOString another ~0.1 ms, setting up its date cache with the local time zone, for a scan that
// prints UTC times only. So a scan passes Date.now() and these take a number as well as a Date.

const DAY_MS = 86_400_000;
const two = (value: number) => (value < 10 ? `0${value}` : `${value}`);

/**
 * Year, month (1-12) and day of the month of a day counted from 1970-01-01, in the proleptic
 * Gregorian calendar (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", civil_from_days).
 */
function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** The text of days outside years 0-9999, or of an invalid time, is toISOString's (±YYYYYY, RangeError). */
const FIRST = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const LAST = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/**
 * A moment as eca passes it: a Date, or a time value (Date.now()), which makes no Date. The
 * daemon passes numbers: its first Date would set up V8's date cache with the local time zone,
 * which maps ~0.6 MB of ICU's zone data into a process that only ever prints UTC.
 */
export type Instant = Date | number;

/** A number as new Date(number) takes it (TimeClip truncates). */
export const timeValue = (time: Instant) => (typeof time === "number" ? Math.trunc(time) : time.getTime());

/** new Date(time).toISOString(), the same text. */
export function isoTimestamp(time: Date | number): string {
  const ms = timeValue(time);
  if (!(ms >= FIRST && ms <= LAST)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  const msOfDay = ms - days * DAY_MS;
  const hours = Math.floor(msOfDay / 3_600_000);
  const minutes = Math.floor(msOfDay / 60_000) % 60;
  const seconds = Math.floor(msOfDay / 1000) % 60;
  const millis = Math.floor(msOfDay % 1000);
  const fraction = millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : `${millis}`;
  return `${dayText(days)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${fraction}Z`;
}

/** new Date(time).toISOString().slice(0, 10): YYYY-MM-DD, in UTC. */
export function isoDay(time: Date | number): string {
  const ms = timeValue(time);
  if (!(ms >= FIRST && ms <= LAST)) return new Date(ms).toISOString().slice(0, 10);
  return dayText(Math.floor(ms / DAY_MS));
}

function dayText(days: number): string {
  const [year, month, day] = civilFromDays(days);
  return `${`${year}`.padStart(4, "0")}-${two(month)}-${two(day)}`;
}
