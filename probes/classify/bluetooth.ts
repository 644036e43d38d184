// What a remote Bluetooth device is, from its Class of Device, Appearance, services, Device ID, OUI and name.
// Above all: is it a car? Pairing a laptop with a car can copy contacts and calendar into it.

import type { BluetoothObservation, Classification, Confidence, DeviceKind } from "../types.ts";
import {
  codMasks,
  macosMinorTypes,
  uuid,
  vehicleAppearanceRange,
  wearableAppearanceCategories,
  wearableMajorClasses,
  wearableMemberServices,
  wearableServiceUuids,
} from "./bluetooth-data.ts";
import {
  decodeAppearance,
  decodeClassOfDevice,
  decodeModalias,
  describeAppearance,
  describeClassOfDevice,
  lookUpOui,
  matchHeadUnitName,
  shortUuid,
  uuidName,
} from "./bluetooth-decode.ts";

const majorComputer = 0x01;
const majorPhone = 0x02;
const majorAudioVideo = 0x04;
const majorPeripheral = 0x05;

/** A/V minors that are listening or speaking devices rather than video or toys. */
const audioMinors = new Set([0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x0a]);
/** Appearance categories of audio devices: Audio Sink, Wearable Audio Device, Hearing aid. */
const audioAppearanceCategories = new Set([0x021, 0x025, 0x029]);

/** The Class of Device bits an OS's minor-type string names (macOS `device_minorType`), if known. */
export function minorTypeClassOfDevice(minorType: string | undefined): number | undefined {
  return minorType === undefined ? undefined : macosMinorTypes[minorType.trim().toLowerCase()];
}

export function classifyBluetooth(observation: BluetoothObservation): Classification {
  const derivedCod =
    observation.classOfDevice === undefined ? minorTypeClassOfDevice(observation.minorType) : undefined;
  const cod = observation.classOfDevice ?? derivedCod;
  const codClass = cod === undefined ? undefined : cod & codMasks.deviceClass;
  const decodedCod = cod === undefined ? undefined : decodeClassOfDevice(cod);
  const appearance = observation.appearance;
  const decodedAppearance = appearance === undefined ? undefined : decodeAppearance(appearance);
  const services = new Set<number>();
  for (const text of observation.uuids) {
    const short = shortUuid(text);
    if (short !== undefined) services.add(short);
  }
  const has = (short: number) => services.has(short);
  const name = observation.name ?? observation.alias ?? "";

  const codEvidence =
    cod === undefined
      ? []
      : derivedCod !== undefined && decodedCod
        ? [`minor type "${observation.minorType}": ${decodedCod.majorName}, ${decodedCod.minorName}`]
        : [describeClassOfDevice(cod)];
  const appearanceEvidence = appearance === undefined ? [] : [describeAppearance(appearance)];
  const servicesEvidence = (...shorts: number[]) => {
    const present = shorts.filter(has);
    return present.length === 0 ? [] : [`services: ${present.map(uuidName).join(", ")}`];
  };
  const result = (kind: DeviceKind, confidence: Confidence, evidence: string[]): Classification => ({
    kind,
    builtIn: false, // a remote Bluetooth device is never part of the laptop
    confidence,
    evidence: evidence.length > 0 ? evidence : ["no Class of Device, Appearance or known services"],
  });

  // Certain: the device says it is a car.
  if (codClass === codMasks.carAudio) return result("vehicle", "certain", codEvidence);
  if (
    appearance !== undefined &&
    appearance >= vehicleAppearanceRange.first &&
    appearance <= vehicleAppearanceRange.last
  ) {
    return result("vehicle", "certain", appearanceEvidence);
  }

  // Strong: a hands-free unit that also wants the phonebook or message notifications, and is no phone.
  const handsFree = has(uuid.handsFree);
  const wantsPhoneData = has(uuid.phonebookClient) || has(uuid.messageNotificationServer);
  const isAudioGateway = has(uuid.handsFreeAudioGateway);
  if (handsFree && wantsPhoneData && !isAudioGateway) {
    return result("vehicle", "strong", [
      ...codEvidence,
      ...servicesEvidence(uuid.handsFree, uuid.phonebookClient, uuid.messageNotificationServer),
      "no Hands-Free Audio Gateway: the device is the car side of a call, not a phone",
    ]);
  }

  // Phones: by class, by appearance, or by being the gateway that serves its phonebook.
  if (decodedCod?.major === majorPhone) return result("phone", "strong", codEvidence);
  if (decodedAppearance?.category === 0x001) return result("phone", "strong", appearanceEvidence);
  if (isAudioGateway && has(uuid.phonebookServer)) {
    return result("phone", "strong", [
      ...codEvidence,
      ...servicesEvidence(uuid.handsFreeAudioGateway, uuid.phonebookServer),
    ]);
  }

  // Medium: hands-free class with hands-free and audio sink, or a head unit's name, OUI or vendor.
  if (codClass === codMasks.handsFree && handsFree && has(uuid.audioSink)) {
    return result("vehicle", "medium", [
      ...codEvidence,
      ...servicesEvidence(uuid.handsFree, uuid.audioSink),
      "a hands-free device with an audio sink and no headset class: most likely a car kit",
    ]);
  }
  const headUnitName = name ? matchHeadUnitName(name) : undefined;
  const oui = lookUpOui(observation.address, observation.addressType);
  const deviceId = observation.modalias ? decodeModalias(observation.modalias) : undefined;
  const vehicleHints: string[] = [];
  if (headUnitName) vehicleHints.push(`name "${name}" follows the naming of a ${headUnitName}`);
  if (oui?.tier === "head-unit") {
    vehicleHints.push(`address ${observation.address}: OUI ${oui.oui} is assigned to ${oui.organisation}`);
  }
  if (deviceId?.automotive) {
    vehicleHints.push(
      `Device ID vendor 0x${deviceId.vendor.toString(16).padStart(4, "0")}: ${deviceId.vendorName}`,
    );
  }
  // A keyboard or mouse by class stays one even from an automotive supplier's OUI.
  const peripheralKind = classifyPeripheral();
  if (vehicleHints.length > 0 && !peripheralKind) {
    return result("vehicle", "medium", [
      ...codEvidence,
      ...appearanceEvidence,
      ...vehicleHints,
      ...servicesEvidence(uuid.handsFree, uuid.audioSink),
    ]);
  }
  if (peripheralKind) return peripheralKind;

  // Audio: headsets, headphones, speakers.
  if (decodedCod?.major === majorAudioVideo && audioMinors.has(decodedCod.minor)) {
    const carKitHint = mixedCarHint();
    if (carKitHint && handsFree) return result("vehicle", "low", [...codEvidence, carKitHint]);
    return result("audio", "strong", [
      ...codEvidence,
      ...servicesEvidence(uuid.handsFree, uuid.headset, uuid.audioSink),
    ]);
  }
  if (decodedAppearance && audioAppearanceCategories.has(decodedAppearance.category)) {
    return result("audio", "strong", appearanceEvidence);
  }
  if (has(uuid.audioSink) || has(uuid.headset) || handsFree) {
    const carKitHint = mixedCarHint();
    if (carKitHint && handsFree)
      return result("vehicle", "low", [carKitHint, ...servicesEvidence(uuid.handsFree)]);
    return result("audio", "medium", [
      ...codEvidence,
      ...servicesEvidence(uuid.handsFree, uuid.headset, uuid.audioSink),
    ]);
  }

  // Wearables and fitness/health sensors: personal devices, judged like a headset.
  if (decodedCod && wearableMajorClasses.has(decodedCod.major)) {
    return result("wearable", "strong", codEvidence);
  }
  if (decodedAppearance && wearableAppearanceCategories.has(decodedAppearance.category)) {
    return result("wearable", "strong", appearanceEvidence);
  }
  const healthServices = servicesEvidence(...wearableServiceUuids);
  if (healthServices.length > 0) {
    return result("wearable", "medium", [...codEvidence, ...healthServices]);
  }
  const makers = [...services].flatMap((short) => {
    const maker = wearableMemberServices[short];
    return maker
      ? [`service 0x${short.toString(16).toUpperCase()} is assigned to ${maker}, a wearable maker`]
      : [];
  });
  if (makers.length > 0) return result("wearable", "medium", [...codEvidence, ...makers]);

  if (decodedCod?.major === majorComputer) return result("computer", "strong", codEvidence);
  if (decodedAppearance?.category === 0x002) return result("computer", "strong", appearanceEvidence);

  const carHint = mixedCarHint();
  if (carHint) return result("vehicle", "low", [...codEvidence, carHint]);
  return result("other", "low", [...codEvidence, ...appearanceEvidence, ...servicesEvidence(...services)]);

  function mixedCarHint(): string | undefined {
    if (oui?.tier === "mixed") {
      return `address ${observation.address}: OUI ${oui.oui} is assigned to ${oui.organisation}, which also makes car head units`;
    }
    if (deviceId?.vendor === 87 && deviceId.source === "bluetooth") {
      return "Device ID vendor 0x0057: Harman International, which also makes car head units";
    }
    return undefined;
  }

  function classifyPeripheral(): Classification | undefined {
    if (decodedCod?.major === majorPeripheral) {
      const keyboardPointing = decodedCod.minor >> 4;
      if (keyboardPointing === 0x1 || keyboardPointing === 0x3)
        return result("keyboard", "strong", codEvidence);
      if (keyboardPointing === 0x2) return result("mouse", "strong", codEvidence);
    }
    if (appearance === 0x03c1) return result("keyboard", "strong", appearanceEvidence);
    if (appearance === 0x03c2 || appearance === 0x03c9) return result("mouse", "strong", appearanceEvidence);
    if ((has(uuid.hid) || has(uuid.hidOverGatt)) && decodedAppearance?.category === 0x00f) {
      return result("other", "medium", [
        ...appearanceEvidence,
        ...servicesEvidence(uuid.hid, uuid.hidOverGatt),
      ]);
    }
    return undefined;
  }
}
