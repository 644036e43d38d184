// Device arrival and removal notifications from CfgMgr32 (CM_Register_Notification), pure half: the
// CM_NOTIFY_FILTER eca registers with, as bytes, and the CM_NOTIFY_EVENT_DATA a callback receives,
// decoded into what changed. The FFI half (registration, the callback, unregistration) is cm-notify.ts.
// Sources: Microsoft Learn / MicrosoftDocs/sdk-api "CM_Register_Notification", "CM_NOTIFY_FILTER",
// "CM_NOTIFY_EVENT_DATA" and "CM_Unregister_Notification"; the numeric values from cfgmgr32.h
// (CM_NOTIFY_FILTER_FLAG_*, CM_NOTIFY_FILTER_TYPE_*, CM_NOTIFY_ACTION_* in declaration order,
// MAX_DEVICE_ID_LEN 200).

import { guidAt } from "./cfgmgr32-parse.ts";

/** CM_NOTIFY_FILTER_TYPE. */
export const CM_NOTIFY_FILTER_TYPE = { DEVICEINTERFACE: 0, DEVICEHANDLE: 1, DEVICEINSTANCE: 2 } as const;

/** CM_NOTIFY_FILTER.Flags. */
export const CM_NOTIFY_FILTER_FLAG = { ALL_INTERFACE_CLASSES: 0x1, ALL_DEVICE_INSTANCES: 0x2 } as const;

/** CM_NOTIFY_ACTION, by value. */
export const CM_NOTIFY_ACTIONS = [
  "DEVICEINTERFACEARRIVAL",
  "DEVICEINTERFACEREMOVAL",
  "DEVICEQUERYREMOVE",
  "DEVICEQUERYREMOVEFAILED",
  "DEVICEREMOVEPENDING",
  "DEVICEREMOVECOMPLETE",
  "DEVICECUSTOMEVENT",
  "DEVICEINSTANCEENUMERATED",
  "DEVICEINSTANCESTARTED",
  "DEVICEINSTANCEREMOVED",
] as const;

export type CmNotifyAction = (typeof CM_NOTIFY_ACTIONS)[number];

/** The actions after which what eca lists may differ: a node or an interface came or went. */
const RESCAN_ACTIONS: ReadonlySet<CmNotifyAction> = new Set([
  "DEVICEINTERFACEARRIVAL",
  "DEVICEINTERFACEREMOVAL",
  "DEVICEINSTANCEENUMERATED",
  "DEVICEINSTANCESTARTED",
  "DEVICEINSTANCEREMOVED",
]);

const MAX_DEVICE_ID_LEN = 200;

/**
 * sizeof(CM_NOTIFY_FILTER) on x64 (and arm64): cbSize, Flags, FilterType, Reserved (4 DWORDs), then
 * the union, whose largest member is WCHAR InstanceId[MAX_DEVICE_ID_LEN]: 16 + 400 = 416, a
 * multiple of the union's 8-byte alignment (its HANDLE member).
 */
export const CM_NOTIFY_FILTER_SIZE = 16 + MAX_DEVICE_ID_LEN * 2;

/** The two registrations eca makes: every interface of every class, and every device node. */
export type NotifyFilterKind = "all-interfaces" | "all-instances";

/**
 * The CM_NOTIFY_FILTER for `kind`, as the bytes CM_Register_Notification reads. "all-interfaces":
 * FilterType DEVICEINTERFACE, Flags ALL_INTERFACE_CLASSES, ClassGuid zero (the documentation
 * requires it). "all-instances": FilterType DEVICEINSTANCE, Flags ALL_DEVICE_INSTANCES, InstanceId "".
 */
export function notifyFilterBytes(kind: NotifyFilterKind): Uint8Array {
  const bytes = new Uint8Array(CM_NOTIFY_FILTER_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, CM_NOTIFY_FILTER_SIZE, true);
  if (kind === "all-interfaces") {
    view.setUint32(4, CM_NOTIFY_FILTER_FLAG.ALL_INTERFACE_CLASSES, true);
    view.setUint32(8, CM_NOTIFY_FILTER_TYPE.DEVICEINTERFACE, true);
  } else {
    view.setUint32(4, CM_NOTIFY_FILTER_FLAG.ALL_DEVICE_INSTANCES, true);
    view.setUint32(8, CM_NOTIFY_FILTER_TYPE.DEVICEINSTANCE, true);
  }
  return bytes;
}

/** One notification, decoded. */
export interface DeviceNotification {
  /** The CM_NOTIFY_ACTION name, or "unknown action N". */
  action: CmNotifyAction | `unknown action ${number}`;
  /** Whether eca should list the devices again. */
  rescan: boolean;
  /** DEVICEINTERFACE events: the interface class ("{A5DCBF10-6530-11D2-901F-00C04FB951ED}"). */
  interfaceClass?: string;
  /** DEVICEINTERFACE events: the interface's symbolic link ("\\?\USB#VID_0781&PID_5581#...#{...}"). */
  symbolicLink?: string;
  /** DEVICEINSTANCE events: the node's instance id ("USB\VID_0781&PID_5581\4C530001..."). */
  instanceId?: string;
}

/** A NUL-terminated UTF-16LE string from `offset` to the first NUL or the end of the data. */
function wideStringAt(bytes: Uint8Array, offset: number): string {
  let end = offset;
  while (end + 1 < bytes.byteLength && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, end - offset).toString("utf16le");
}

/**
 * A callback's (Action, EventData, EventDataSize) → what changed. CM_NOTIFY_EVENT_DATA: FilterType
 * (DWORD, offset 0), Reserved (DWORD, 4), then the union at 8: DeviceInterface { GUID ClassGuid;
 * WCHAR SymbolicLink[] } or DeviceInstance { WCHAR InstanceId[] }. Never throws: data too short for
 * its filter type gives the action alone.
 */
export function decodeNotification(action: number, data: Uint8Array): DeviceNotification {
  const name = CM_NOTIFY_ACTIONS[action];
  const notification: DeviceNotification = {
    action: name ?? `unknown action ${action}`,
    rescan: name !== undefined && RESCAN_ACTIONS.has(name),
  };
  if (data.byteLength < 8) return notification;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const filterType = view.getUint32(0, true);
  if (filterType === CM_NOTIFY_FILTER_TYPE.DEVICEINTERFACE && data.byteLength >= 24) {
    notification.interfaceClass = guidAt(view, 8);
    const link = wideStringAt(data, 24);
    if (link !== "") notification.symbolicLink = link;
  } else if (filterType === CM_NOTIFY_FILTER_TYPE.DEVICEINSTANCE) {
    const id = wideStringAt(data, 8);
    if (id !== "") notification.instanceId = id;
  }
  return notification;
}

/**
 * The change reason the probes emit (the daemon logs it as the scan's trigger):
 * "USB\VID_0781&PID_5581\4C53... enumerated", "interface {53F56307-...} arrived: \\?\USBSTOR#...".
 */
export function describeNotification(notification: DeviceNotification): string {
  const verb: Partial<Record<string, string>> = {
    DEVICEINTERFACEARRIVAL: "arrived",
    DEVICEINTERFACEREMOVAL: "removed",
    DEVICEINSTANCEENUMERATED: "enumerated",
    DEVICEINSTANCESTARTED: "started",
    DEVICEINSTANCEREMOVED: "removed",
  };
  const what = verb[notification.action] ?? notification.action.toLowerCase();
  if (notification.instanceId) return `device node ${notification.instanceId} ${what}`;
  if (notification.interfaceClass) {
    return `interface ${notification.interfaceClass} ${what}${notification.symbolicLink ? `: ${notification.symbolicLink}` : ""}`;
  }
  return `device ${what}`;
}

/**
 * Whether the Bluetooth registry (BTHPORT, read by PowerShell) may have changed too: a node or an
 * interface of the Bluetooth enumerators (BTHENUM, BTHLE, BTHLEDEVICE), which Windows creates when a
 * device is paired and removes when it is unpaired. Anything else re-reads only the PnP listing.
 */
export function concernsBluetooth(notification: DeviceNotification): boolean {
  const subject = notification.instanceId ?? notification.symbolicLink?.replace(/^\\\\\?\\/, "") ?? "";
  return /^BTH(ENUM|LE|LEDEVICE)[\\#]/i.test(subject);
}
