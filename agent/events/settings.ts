// The `events` block of the configuration (agent/config/config.schema.json), resolved: defaults
// filled in and the fleet key loaded. docs/EVENTS.md documents each key.

import type { HostConfig } from "./host.ts";
import { loadPseudonymiser } from "./privacy.ts";

export interface EventsConfig {
  /** metadata.product.vendor_name. Default "eca". */
  vendorName?: string;
  /** compliance.standards. Default: the two MoJ guidance documents the rules quote. */
  standards?: string[];
  /** metadata.tenant_uid. */
  tenantUid?: string;
  /** metadata.log_name. Default "eca". */
  logName?: string;
  /** device.uid_alt. */
  assetTag?: string;
  /** device.org.name. */
  organisation?: string;
  /** device.type_id instead of the detected one (0 Unknown, 1 Server, 2 Desktop, 3 Laptop, 4 Tablet, 5 Mobile, 6 Virtual, 99 Other). */
  deviceTypeId?: number;
  /** Send a Peripheral Activity (1010) when a peripheral connects or disconnects. Default false. */
  peripheralActivity?: boolean;
  /** Replace peripheral serials, names, addresses and ids with HMAC-SHA256 under the fleet key. */
  privacy?: { keyFile: string };
}

export const DEFAULT_STANDARDS = [
  "MoJ Personal devices guidance",
  "MoJ Security Guidance for Using a Personal Device",
];

export interface EventSettings {
  vendorName: string;
  standards: string[];
  tenantUid?: string;
  logName: string;
  peripheralActivity: boolean;
  pseudonymise?: (value: string) => string;
  host: HostConfig;
}

/** Throws, naming the key and the fix, when the fleet key cannot be used. */
export function resolveEventSettings(config: EventsConfig = {}): EventSettings {
  return {
    vendorName: config.vendorName ?? "eca",
    standards: config.standards ?? DEFAULT_STANDARDS,
    ...(config.tenantUid ? { tenantUid: config.tenantUid } : {}),
    logName: config.logName ?? "eca",
    peripheralActivity: config.peripheralActivity ?? false,
    ...(config.privacy ? { pseudonymise: loadPseudonymiser(config.privacy.keyFile) } : {}),
    host: {
      ...(config.assetTag ? { assetTag: config.assetTag } : {}),
      ...(config.organisation ? { org: config.organisation } : {}),
      ...(config.deviceTypeId !== undefined ? { typeId: config.deviceTypeId } : {}),
    },
  };
}
