// Date#toISOString's text from the UTC fields. V8's toISOString sets up its date cache on first use,
// and with it the local time zone (ICU reading the zone database): ~0.2 ms of a one-shot scan, which
// prints UTC times only. getUTCFullYear and the others do arithmetic on the time value alone.

const two = (value: number) => (value < 10 ? `0${value}` : `${value}`);

/** date.toISOString(), the same text; a date outside years 0-9999, or invalid, is left to it. */
export function isoTimestamp(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString(); // ±YYYYYY, or the RangeError
  const ms = date.getUTCMilliseconds();
  return `${isoDay(date)}T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}.${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z`;
}

/** date.toISOString().slice(0, 10): YYYY-MM-DD, in UTC. */
export function isoDay(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString().slice(0, 10);
  return `${`${year}`.padStart(4, "0")}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
}
