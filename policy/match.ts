import { isoDay } from "./iso-time.ts";
import type { DeviceMatch, DeviceRef } from "./types.ts";

// Fields whose values are hex or addresses: compared without regard to case.
const CASE_INSENSITIVE = new Set<keyof DeviceMatch>(["vendorId", "productId", "address"]);

/** True when every field the match gives equals the device's. A match with no fields matches nothing. */
export function matchesDevice(match: DeviceMatch, device: DeviceRef): boolean {
  const entries = Object.entries(match) as [keyof DeviceMatch, string][];
  if (entries.length === 0) return false;
  return entries.every(([field, wanted]) => {
    const actual = device[field];
    if (actual === undefined) return false;
    return CASE_INSENSITIVE.has(field) ? actual.toLowerCase() === wanted.toLowerCase() : actual === wanted;
  });
}

/** The last day an approval is valid: approvedOn plus the months allowed, or expiresOn if earlier. */
export function approvalValidUntil(approvedOn: string, months: number, expiresOn?: string): string {
  const [year, month, day] = approvedOn.split("-").map(Number) as [number, number, number];
  const targetMonth = month - 1 + months;
  // Clamp to the month's last day: 2025-01-31 + 1 month is 2025-02-28, not 2025-03-03.
  // Time values only, no Date (policy/iso-time.ts, Instant).
  const lastDay = Number(isoDay(Date.UTC(year, targetMonth + 1, 0)).slice(-2));
  const until = isoDay(Date.UTC(year, targetMonth, Math.min(day, lastDay)));
  return expiresOn && expiresOn < until ? expiresOn : until;
}
