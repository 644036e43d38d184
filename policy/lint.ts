// What `eca policy check` says about a policy that passes the schema: approvals lapsed or lapsing,
// approvals with no scope, duplicate or contradictory entries, entries that can never match
// (warnings), and any entry that approves or exempts a vehicle (an error: the guidance allows no
// exemption for vehicle pairing). Pure: a policy and `now` in, problems with their place out.

import { lookUpOui, matchHeadUnitName } from "../probes/classify/bluetooth-decode.ts";
import type { DocumentProblem } from "./document.ts";
import { DEFAULT_EXPIRING_DAYS } from "./evaluate.ts";
import { approvalValidUntil } from "./match.ts";
import type { DeviceMatch, Policy } from "./types.ts";

export interface PolicyLint {
  /** The policy must not be used as written (exit code 2). */
  errors: DocumentProblem[];
  /** Worth fixing, but the policy works (exit code 0). */
  warnings: DocumentProblem[];
}

/** Words in a description that say the entry is for a car. */
const VEHICLE_WORDS = /\b(car|cars|vehicle|vehicles|head ?unit|carplay|android auto|car ?kit|in-car)\b/i;

function days(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A match as one comparable key: field order and the case of hex ids do not matter. */
function matchKey(match: DeviceMatch): string {
  return Object.entries(match)
    .map(([k, v]) => [k, k === "vendorId" || k === "productId" || k === "address" ? v.toLowerCase() : v])
    .sort(([a], [b]) => (a as string).localeCompare(b as string))
    .map(([k, v]) => `${k}=${v}`)
    .join("|");
}

/** Why an entry's match can never equal any device's, if it cannot. */
function neverMatches(match: DeviceMatch): string | undefined {
  const usbOnly = (["vendorId", "productId", "serial"] as const).filter((f) => match[f] !== undefined);
  if (match.bus === "bluetooth" && usbOnly.length > 0)
    return `it asks for bus bluetooth and ${usbOnly.join(", ")}, which eca reads from USB devices only`;
  if (match.bus === "usb" && match.address !== undefined)
    return "it asks for bus usb and an address, which only Bluetooth devices have";
  if (match.address !== undefined && usbOnly.length > 0)
    return `it asks for an address (Bluetooth) and ${usbOnly.join(", ")} (USB): no device has both`;
  return undefined;
}

/** Why an entry approves a vehicle, if it does. */
function vehicleReason(match: DeviceMatch, words: string): string | undefined {
  if (match.name) {
    const label = matchHeadUnitName(match.name);
    if (label) return `its name "${match.name}" follows the naming of a ${label}`;
  }
  if (match.address) {
    const oui = lookUpOui(match.address);
    if (oui?.tier === "head-unit")
      return `its address's OUI ${oui.oui} is assigned to ${oui.organisation}, a car head-unit maker`;
  }
  const word = VEHICLE_WORDS.exec(words)?.[0];
  if (word) return `it says it is for a vehicle ("${word}")`;
  return undefined;
}

const NO_VEHICLE =
  "remove this entry: the guidance allows no exemption for pairing with a vehicle, and eca never applies one";

export function lintPolicy(
  policy: Policy,
  now: Date,
  expiringDays: number = DEFAULT_EXPIRING_DAYS,
): PolicyLint {
  const errors: DocumentProblem[] = [];
  const warnings: DocumentProblem[] = [];
  const today = now.toISOString().slice(0, 10);

  const approvedKeys = new Map<string, number>();
  policy.approvedDevices.forEach((entry, index) => {
    const place = `approvedDevices[${index}]`;
    const vehicle = vehicleReason(entry.match, entry.description);
    if (vehicle) errors.push({ path: place, message: `approves a vehicle: ${vehicle}`, hint: NO_VEHICLE });
    const never = neverMatches(entry.match);
    if (never)
      warnings.push({
        path: `${place}.match`,
        message: `can never match: ${never}`,
        hint: "fix the match, or remove the entry",
      });
    if (Object.keys(entry.match).length === 1 && entry.match.bus)
      warnings.push({
        path: `${place}.match`,
        message: `names only the bus, so it approves every ${entry.match.bus} device`,
        hint: "add vendorId and productId (USB) or address (Bluetooth) for the device supplied",
      });
    const key = matchKey(entry.match);
    const first = approvedKeys.get(key);
    if (first !== undefined)
      warnings.push({
        path: place,
        message: `duplicates approvedDevices[${first}]: the same match`,
        hint: "keep one of them",
      });
    else approvedKeys.set(key, index);
  });

  const approvalKeys = new Map<string, number>();
  const references = new Map<string, number>();
  policy.approvals.forEach((approval, index) => {
    const place = `approvals[${index}]`;
    // Not the reference: "CAR-1234" is a change approval record in some service desks, not a car.
    const vehicle = vehicleReason(approval.match, approval.description ?? "");
    if (vehicle)
      errors.push({
        path: place,
        message: `${approval.kind === "accessibility" ? "exempts" : "approves"} a vehicle: ${vehicle}`,
        hint: NO_VEHICLE,
      });
    const never = neverMatches(approval.match);
    if (never)
      warnings.push({
        path: `${place}.match`,
        message: `can never match: ${never}`,
        hint: "fix the match, or remove the approval",
      });
    const validUntil = approvalValidUntil(
      approval.approvedOn,
      policy.approvalValidityMonths,
      approval.expiresOn,
    );
    const left = days(today, validUntil);
    if (left < 0)
      warnings.push({
        path: place,
        message: `approval ${approval.reference} lapsed on ${validUntil} (approved on ${approval.approvedOn} by ${approval.approvedBy}); it no longer exempts the device`,
        hint: "renew it (a fresh approvedOn once the Line Manager has approved again) or remove it",
      });
    else if (left <= expiringDays)
      warnings.push({
        path: place,
        message: `approval ${approval.reference} lapses on ${validUntil}, in ${left} day(s)`,
        hint: "ask the approver to renew it before then; the laptop warns (approval-expiring) until it is",
      });
    if (!approval.hosts)
      warnings.push({
        path: place,
        message: `approval ${approval.reference} has no hosts, so it applies on every laptop, not only the one it was granted for`,
        hint: 'add hosts: [{ serial: "..." }] (or hostname, machineId) for the laptop it was granted for',
      });
    if (!approval.for)
      warnings.push({
        path: place,
        message: `approval ${approval.reference} does not say who it is for`,
        hint: "add for: with the person's name",
      });
    const seenReference = references.get(approval.reference);
    if (seenReference !== undefined)
      warnings.push({
        path: `${place}.reference`,
        message: `${approval.reference} is also the reference of approvals[${seenReference}]`,
        hint: "give each documented approval its own reference, or merge the two",
      });
    else references.set(approval.reference, index);
    const key = matchKey(approval.match);
    const scope = JSON.stringify(approval.hosts ?? null);
    const sameMatch = approvalKeys.get(`${key}#${scope}`);
    if (sameMatch !== undefined) {
      const other = policy.approvals[sameMatch];
      const contradiction = other && other.kind !== approval.kind;
      warnings.push({
        path: place,
        message: contradiction
          ? `contradicts approvals[${sameMatch}]: the same device and laptops, but ${approval.kind} there ${other.kind}`
          : `duplicates approvals[${sameMatch}]: the same device and laptops`,
        hint: "keep one approval per device and laptop",
      });
    } else approvalKeys.set(`${key}#${scope}`, index);
    const listed = approvedKeys.get(key);
    if (listed !== undefined)
      warnings.push({
        path: place,
        message: `matches the same devices as approvedDevices[${listed}], which decides first, so this approval is never used`,
        hint: "remove the approval, or the approvedDevices entry if the device is not supplied by the organisation",
      });
  });
  return { errors, warnings };
}
