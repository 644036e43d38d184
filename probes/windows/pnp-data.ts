// What Windows' Plug and Play names mean, as cited data for pnp-parse.ts and bluetooth-parse.ts.
// Sources:
// - "USB ids": Microsoft Learn, "Standard USB Identifiers" and "Identifiers Generated for USB
//   Devices" (USB\VID_v&PID_p, &MI_nn for an interface of a composite device, USB\Class_cc&
//   SubClass_ss&Prot_pp, USB\DevClass_..., USB\COMPOSITE; the instance id is the iSerialNumber
//   when the device reports a usable one, else a generated "n&xxxxxxxx&n&n").
// - "MS OS descriptors": Microsoft Learn, "Microsoft OS Descriptors for USB Devices": a device's
//   compatible id "MTP" becomes the compatible id USB\MS_COMP_MTP of its interface node.
// - "Container IDs": Microsoft Learn, "Container IDs" / "How Container IDs are Generated": devices
//   that are part of the computer get the computer's container {00000000-0000-0000-FFFF-FFFFFFFFFFFF}
//   (DEVPKEY_Device_InLocalMachineContainer true); the USB hub driver sets a device's Removable
//   capability from the port's ACPI _UPC/_PLD (a port that is not user-connectable is not removable).
// - "CM_REMOVAL_POLICY": cfgmgr32.h CM_REMOVAL_POLICY_EXPECT_NO_REMOVAL 1, _ORDERLY_REMOVAL 2,
//   _SURPRISE_REMOVAL 3.
// - Root hub enumerators: Windows' inbox usbhub/usbhub3 name root hubs USB\ROOT_HUB, USB\ROOT_HUB20
//   and USB\ROOT_HUB30 (USBView output in github.com/libusb/libusb/issues/1019); vendor USB 3.0
//   drivers use their own enumerator: Renesas' nusb3hub (NUSB3\ROOT_HUB30) and Intel's Windows 7
//   xHCI driver (IUSB3\ROOT_HUB30, hardware id IUSB3\ROOT_HUB30&VID_8086&PID_1E31): the root hub
//   list in github.com/daynix/UsbDk UsbDkFilterDevice.cpp and in libusb-win32's libusb0 filter
//   ("USB\ROOT_HUB", "NUSB3\ROOT_HUB" or "IUSB3\ROOT_HUB"). AMD's Windows 7 USB 3.0 driver
//   enumerates its hubs as AMDUSB30\CLASS_09&SUBCLASS_00&PROT_01 (amdhub30.inf).

/** The container Windows gives every device that is part of the computer itself. */
export const LOCAL_MACHINE_CONTAINER_ID = "{00000000-0000-0000-FFFF-FFFFFFFFFFFF}";

/**
 * A root hub, whoever's driver enumerates it: "<enumerator>\ROOT_HUB<nn>\<instance>". The
 * enumerators that own root hubs also own the devices below them (NUSB3\VID_...), see pnp-parse.ts.
 */
export const ROOT_HUB_INSTANCE = /^([A-Z0-9_]+)\\ROOT_HUB(?:20|30|31)?\\/i;

/** Enumerators known to name USB devices, besides the ones a root hub in the same listing uses. */
export const USB_ENUMERATORS: ReadonlySet<string> = new Set(["USB", "NUSB3", "IUSB3", "AMDUSB30"]);

/** A USB device or interface node: "USB\VID_05AC&PID_12A8&MI_01\<instance>" (USB ids). */
export const USB_INSTANCE =
  /^([A-Z0-9_]+)\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})(?:&REV_[0-9A-F]{4})?(?:&MI_([0-9A-F]{2}))?\\([^\\]+)$/i;

/**
 * A root hub's hardware id carries its host controller's PCI ids: inbox "USB\ROOT_HUB30&VID8086&
 * PID9A13&REV0001" (USBView, libusb/libusb#1019), Intel's driver "IUSB3\ROOT_HUB30&VID_8086&PID_1E31".
 */
export const ROOT_HUB_HARDWARE_ID = /\\ROOT_HUB(?:20|30|31)?&VID_?([0-9A-F]{4})&PID_?([0-9A-F]{4})/i;

/** Compatible ids carrying class codes (USB ids). */
export const INTERFACE_CLASS_ID = /^USB\\Class_([0-9A-F]{2})&SubClass_([0-9A-F]{2})&Prot_([0-9A-F]{2})$/i;
export const DEVICE_CLASS_ID = /^USB\\DevClass_([0-9A-F]{2})&SubClass_([0-9A-F]{2})&Prot_([0-9A-F]{2})$/i;
export const COMPOSITE_ID = "USB\\COMPOSITE";

/** Compatible ids from MS OS descriptors that say what an interface is, as the iInterface would. */
export const MS_OS_COMPATIBLE_NAMES: ReadonlyMap<string, string> = new Map([["USB\\MS_COMP_MTP", "MTP"]]);

/**
 * Manufacturer values that name a driver package, not the device's maker (Windows' inbox INFs):
 * "(Standard USB HUBs)", "(Standard system devices)", "(Standard disk drives)", "Microsoft",
 * "Compatible USB storage device" (usbstor.inf), "Generic" (usbport.inf), "WinUsb Device" (winusb.inf),
 * "Generic USB xHCI Host Controller" (usbxhci.inf).
 */
export const DRIVER_MANUFACTURERS =
  /^(?:\(.*\)|Microsoft|Compatible USB storage device|Generic|WinUsb Device|Generic USB xHCI Host Controller)$/i;

/** CM_REMOVAL_POLICY values (cfgmgr32.h). */
export const REMOVAL_POLICY = { expectNoRemoval: 1, orderlyRemoval: 2, surpriseRemoval: 3 } as const;

/**
 * CM_PROB_DISABLED (cfgmgr32.h; Microsoft Learn "Device Manager error messages", code 22 "This
 * device is disabled"): the DEVPKEY_Device_ProblemCode of a node someone has disabled.
 */
export const CM_PROB_DISABLED = 22;

/**
 * What marks a function node as the device's storage or phone function, whose being disabled
 * disables what eca would block: the DiskDrive and WPD setup classes (Microsoft Learn
 * "System-Defined Device Setup Classes"), the USBSTOR and SCSI (UAS) disk enumerators, and
 * interface classes 08 (mass storage) and 06 (still image: PTP/MTP) of usb.org's class codes.
 */
export const STORAGE_SETUP_CLASSES: ReadonlySet<string> = new Set(["DISKDRIVE", "WPD"]);
export const STORAGE_ENUMERATED = /^(USBSTOR|SCSI)\\/i;
export const STORAGE_INTERFACE_CLASSES: ReadonlySet<string> = new Set(["08", "06"]);
