// What a USB device is and whether it is part of the laptop. Pure: a function of the observation
// and its neighbours on the bus (hubs above it). The facts live in usb-fingerprints.ts.

import type { Classification, Confidence, DeviceKind, UsbInterface, UsbObservation } from "../types.ts";
import {
  type BuiltInComponent,
  DEVICE_CLASS_FINGERPRINTS,
  INTERFACE_FINGERPRINTS,
  type InterfaceFingerprint,
  MACOS_PRODUCT_FINGERPRINTS,
  NETWORK_ADAPTER_FINGERPRINTS,
  NETWORK_INTERFACE_FINGERPRINTS,
  PHONE_INTERFACE_HINTS,
  PHONE_PRODUCT_FINGERPRINTS,
  PHONE_VENDORS,
  type PhoneInterfaceHint,
  PRODUCT_FINGERPRINTS,
  type ProductFingerprint,
} from "./usb-fingerprints.ts";

/** Every product table, in the order their facts are listed. */
const ALL_PRODUCT_FINGERPRINTS: readonly ProductFingerprint[] = [
  ...PRODUCT_FINGERPRINTS,
  ...PHONE_PRODUCT_FINGERPRINTS,
  ...NETWORK_ADAPTER_FINGERPRINTS,
  ...MACOS_PRODUCT_FINGERPRINTS,
];
const ALL_INTERFACE_FINGERPRINTS: readonly InterfaceFingerprint[] = [
  ...INTERFACE_FINGERPRINTS,
  ...NETWORK_INTERFACE_FINGERPRINTS,
];

/**
 * Which kind wins when a device shows several. Phones first: an iPhone or an Android phone in MTP
 * mode also shows still-image, audio or storage-like interfaces. Camera before audio: webcams carry
 * a microphone interface.
 */
const KIND_PRECEDENCE: readonly DeviceKind[] = [
  "phone",
  "security-key",
  "storage",
  "keyboard",
  "mouse",
  "camera",
  "audio",
  "network",
  "hub",
  "vehicle",
  "computer",
  "charger",
  "wearable",
  "other",
];

/** Parts that never leave the laptop: their fingerprint outweighs a port that claims to be removable. */
const INTERNAL_ONLY_COMPONENTS: ReadonlySet<BuiltInComponent> = new Set([
  "fingerprint-reader",
  "bluetooth-controller",
  "chipset-hub",
  "mac-internal",
]);

/**
 * When the port does not say (libusb and systeminformation cannot see `removable`), these kinds are
 * still judged: laptops essentially never contain them. Cameras, keyboards, hubs and radios often
 * are built in, so without the port's word they go to review rather than to a violation.
 */
const RARELY_BUILT_IN: ReadonlySet<DeviceKind> = new Set(["storage", "phone", "security-key"]);

const CONFIDENCE_ORDER: readonly Confidence[] = ["low", "medium", "strong", "certain"];

interface KindFact {
  kind: DeviceKind;
  fact: string;
}

interface BuiltInDecision {
  builtIn: boolean;
  confidence: Confidence;
  evidence: string[];
}

function inRange(productId: string, [first, last]: readonly [string, string]): boolean {
  const value = Number.parseInt(productId, 16);
  return value >= Number.parseInt(first, 16) && value <= Number.parseInt(last, 16);
}

function matchingProducts(observation: UsbObservation): ProductFingerprint[] {
  const { vendorId, productId, interfaces } = observation;
  if (vendorId === undefined) return [];
  return ALL_PRODUCT_FINGERPRINTS.filter(
    (fingerprint) =>
      fingerprint.vendorId === vendorId &&
      (fingerprint.products === undefined ||
        (productId !== undefined && fingerprint.products.some((range) => inRange(productId, range)))) &&
      (fingerprint.interfaceClass === undefined ||
        interfaces.some((usbInterface) => usbInterface.class === fingerprint.interfaceClass)),
  );
}

function interfaceMatches(usbInterface: UsbInterface, fingerprint: InterfaceFingerprint): boolean {
  return (
    fingerprint.class === usbInterface.class &&
    (fingerprint.subclass === undefined || fingerprint.subclass === usbInterface.subclass) &&
    (fingerprint.protocol === undefined || fingerprint.protocol === usbInterface.protocol) &&
    (fingerprint.name === undefined ||
      (usbInterface.name !== undefined && fingerprint.name.test(usbInterface.name)))
  );
}

function triple(usbInterface: UsbInterface): string {
  return `${usbInterface.class}/${usbInterface.subclass}/${usbInterface.protocol}`;
}

function vendorProduct(observation: UsbObservation): string {
  return `${observation.vendorId ?? "????"}:${observation.productId ?? "????"}`;
}

function describe(observation: UsbObservation): string {
  const name = [observation.manufacturer, observation.product].filter(Boolean).join(" ");
  return name ? `${vendorProduct(observation)} "${name}"` : vendorProduct(observation);
}

function hintMatches(usbInterface: UsbInterface, hint: PhoneInterfaceHint): boolean {
  return (
    hint.class === usbInterface.class &&
    hint.subclass === usbInterface.subclass &&
    (hint.protocol === undefined || hint.protocol === usbInterface.protocol)
  );
}

/**
 * A phone maker's vendor id with an interface a phone shows in PTP, MTP (name unread, as on libusb)
 * or tethering mode: a phone, whatever the interface alone would suggest (camera, network).
 */
function phoneMakerFacts(observation: UsbObservation): KindFact[] {
  const { vendorId, productId } = observation;
  const vendor = PHONE_VENDORS.find(
    (candidate) =>
      candidate.vendorId === vendorId &&
      (candidate.products === undefined ||
        (productId !== undefined && candidate.products.some((range) => inRange(productId, range)))),
  );
  if (!vendor) return [];
  const facts: KindFact[] = [];
  for (const usbInterface of observation.interfaces) {
    const hint = PHONE_INTERFACE_HINTS.find(
      (candidate) => vendor.modes.includes(candidate.mode) && hintMatches(usbInterface, candidate),
    );
    if (!hint) continue;
    facts.push({
      kind: "phone",
      fact: `vendor ${vendor.vendorId} is ${vendor.maker}, a phone maker, and interface ${triple(usbInterface)} is ${hint.label}`,
    });
  }
  return facts;
}

function kindFacts(observation: UsbObservation, products: ProductFingerprint[]): KindFact[] {
  const facts: KindFact[] = [...(observation.kindHints ?? [])];
  for (const fingerprint of products) {
    facts.push({
      kind: fingerprint.kind,
      fact: `${vendorProduct(observation)} is listed as ${fingerprint.label}`,
    });
  }
  for (const usbInterface of observation.interfaces) {
    for (const fingerprint of ALL_INTERFACE_FINGERPRINTS) {
      if (!interfaceMatches(usbInterface, fingerprint)) continue;
      const named = fingerprint.name ? ` named "${usbInterface.name}"` : "";
      facts.push({
        kind: fingerprint.kind,
        fact: `interface ${triple(usbInterface)}${named} is ${fingerprint.label}`,
      });
    }
  }
  // Only when nothing else says phone: the maker's word is the weakest phone fact.
  if (!facts.some((fact) => fact.kind === "phone")) facts.push(...phoneMakerFacts(observation));
  const deviceClass = observation.deviceClass?.class;
  const classFingerprint = DEVICE_CLASS_FINGERPRINTS.find((fingerprint) => fingerprint.class === deviceClass);
  if (classFingerprint) {
    facts.push({
      kind: classFingerprint.kind,
      fact: `device class ${deviceClass} is ${classFingerprint.label}`,
    });
  }
  return facts;
}

function decideKind(
  observation: UsbObservation,
  facts: KindFact[],
): { kind: DeviceKind; confidence: Confidence; evidence: string[] } {
  if (observation.isRootHub) {
    return { kind: "hub", confidence: "certain", evidence: [`${observation.portPath} is a root hub`] };
  }
  for (const kind of KIND_PRECEDENCE) {
    const supporting = facts.filter((fact) => fact.kind === kind);
    if (supporting.length > 0) {
      return { kind, confidence: "certain", evidence: [...new Set(supporting.map((fact) => fact.fact))] };
    }
  }
  if (observation.vendorId === undefined && observation.interfaces.length === 0) {
    return {
      kind: "other",
      confidence: "low",
      evidence: ["identity could not be read (no vendor id, no interfaces)"],
    };
  }
  const shown = observation.interfaces.map(triple).join(", ");
  return {
    kind: "other",
    confidence: "medium",
    evidence: [
      shown
        ? `${vendorProduct(observation)} has only interfaces ${shown}, which say nothing about what it is`
        : `${vendorProduct(observation)} shows no interfaces that say what it is`,
    ],
  };
}

/** The built-in-part fingerprint to trust: only one whose kind is the kind the device turned out to be. */
function componentFingerprint(
  products: ProductFingerprint[],
  kind: DeviceKind,
): ProductFingerprint | undefined {
  return products.find(
    (fingerprint) => fingerprint.builtInComponent !== undefined && fingerprint.kind === kind,
  );
}

class BuiltInResolver {
  readonly #byPortPath: Map<string, UsbObservation>;
  readonly #memo = new Map<string, BuiltInDecision>();
  readonly #deciding = new Set<string>();

  constructor(all: readonly UsbObservation[]) {
    this.#byPortPath = new Map(all.map((observation) => [observation.portPath, observation]));
  }

  decide(observation: UsbObservation, kind: DeviceKind, products: ProductFingerprint[]): BuiltInDecision {
    if (observation.isRootHub) {
      return {
        builtIn: true,
        confidence: "certain",
        evidence: ["a root hub is part of the laptop's USB host controller"],
      };
    }
    // A hub is only as built-in as the hubs above it: a dock's ports say "fixed" for its own parts.
    // A hub only assumed external (its port said nothing) proves nothing about what is behind it:
    // the device's own port and fingerprint decide then.
    const doubtfulHubs: string[] = [];
    for (const parentPath of observation.parents) {
      const parent = this.#byPortPath.get(parentPath);
      if (!parent || parent.isRootHub) continue;
      const above = this.#decideParent(parent);
      if (above.builtIn) continue;
      const hub = `${parentPath} (${describe(parent)})`;
      if (above.confidence === "certain") {
        return { builtIn: false, confidence: "certain", evidence: [`behind external hub ${hub}`] };
      }
      doubtfulHubs.push(hub);
    }
    const own = this.#decideFromPort(observation, kind, products);
    if (doubtfulHubs.length > 0) {
      own.evidence.push(`behind hub ${doubtfulHubs.join(", ")}, which may be external`);
    }
    return own;
  }

  #decideFromPort(
    observation: UsbObservation,
    kind: DeviceKind,
    products: ProductFingerprint[],
  ): BuiltInDecision {
    const component = componentFingerprint(products, kind);
    const removable = observation.removable ?? "unknown";
    const connectType = observation.connectType ?? "unknown";
    const platformFact = observation.portFact;
    if (removable === "fixed") {
      return {
        builtIn: true,
        confidence: "certain",
        evidence: [`${platformFact ?? "removable=fixed"}: the firmware says the port is internal`],
      };
    }
    if (connectType === "hardwired") {
      return { builtIn: true, confidence: "certain", evidence: ["hub port connect_type=hardwired"] };
    }
    const portSaysExternal = removable === "removable" || connectType === "hotplug";
    const portFact = platformFact ?? `removable=${removable}, connect_type=${connectType}`;
    if (
      component?.builtInComponent &&
      portSaysExternal &&
      INTERNAL_ONLY_COMPONENTS.has(component.builtInComponent)
    ) {
      return {
        builtIn: true,
        confidence: "medium",
        evidence: [
          `${portFact}, but ${vendorProduct(observation)} is listed as ${component.label}, a part only found inside laptops: built in`,
        ],
      };
    }
    if (portSaysExternal) {
      const facts = [];
      if (removable === "removable")
        facts.push(`${platformFact ?? "removable=removable"}: the port is user-accessible`);
      if (connectType === "hotplug") facts.push("hub port connect_type=hotplug");
      return { builtIn: false, confidence: "certain", evidence: facts };
    }
    if (component) {
      return {
        builtIn: true,
        confidence: "medium",
        evidence: [
          `${portFact}: the port does not say; ${vendorProduct(observation)} is listed as ${component.label} and sits on an internal port, so built in`,
        ],
      };
    }
    if (RARELY_BUILT_IN.has(kind)) {
      return {
        builtIn: false,
        confidence: "medium",
        evidence: [
          `${portFact}: the port does not say whether it is internal; a ${kind} is almost never built in, so external`,
        ],
      };
    }
    return {
      builtIn: false,
      confidence: "low",
      evidence: [
        `${portFact}: the port does not say whether it is internal, and laptops contain devices of this kind: a person should check`,
      ],
    };
  }

  #decideParent(parent: UsbObservation): BuiltInDecision {
    const known = this.#memo.get(parent.portPath);
    if (known) return known;
    // A listing whose hubs are each other's parents (a garbled tree) must not recurse for ever:
    // a hub met again while it is being decided proves nothing, so it counts as "may be external".
    if (this.#deciding.has(parent.portPath)) {
      return {
        builtIn: false,
        confidence: "low",
        evidence: [`the hub chain loops back to ${parent.portPath}`],
      };
    }
    this.#deciding.add(parent.portPath);
    try {
      const products = matchingProducts(parent);
      const { kind } = decideKind(parent, kindFacts(parent, products));
      const decision = this.decide(parent, kind, products);
      this.#memo.set(parent.portPath, decision);
      return decision;
    } finally {
      this.#deciding.delete(parent.portPath);
    }
  }
}

function lower(a: Confidence, b: Confidence): Confidence {
  return CONFIDENCE_ORDER.indexOf(a) <= CONFIDENCE_ORDER.indexOf(b) ? a : b;
}

// One resolver per scan (per `all` array), so each hub's decision is made once, not once per
// device behind it.
const resolvers = new WeakMap<readonly UsbObservation[], BuiltInResolver>();

function resolverFor(all: readonly UsbObservation[]): BuiltInResolver {
  let resolver = resolvers.get(all);
  if (!resolver) {
    resolver = new BuiltInResolver(all);
    resolvers.set(all, resolver);
  }
  return resolver;
}

/** Classifies one device; `all` is every USB device of the same scan (to see the hubs above it). */
export function classifyUsb(observation: UsbObservation, all: readonly UsbObservation[]): Classification {
  const products = matchingProducts(observation);
  const kind = decideKind(observation, kindFacts(observation, products));
  const builtIn = resolverFor(all).decide(observation, kind.kind, products);
  return {
    kind: kind.kind,
    builtIn: builtIn.builtIn,
    confidence: lower(kind.confidence, builtIn.confidence),
    evidence: [...kind.evidence, ...builtIn.evidence],
  };
}
