// What HCI events reveal about remote devices, kept per address. Pure state, no I/O.

import type { BluetoothObservation } from "../types.ts";
import type { HciEvent } from "./hci-events.ts";

interface Seen {
  address: string;
  classOfDevice?: number;
  name?: string;
  addressType?: "public" | "random";
  bonded: boolean;
  connected: boolean;
}

/** Caps memory when a busy environment sends many connection requests. */
const maxDevices = 256;

export class HciTracker {
  private readonly devices = new Map<string, Seen>();
  private readonly handles = new Map<number, string>();

  /** Applies one event; returns why it matters (a `change` reason), or undefined if it does not. */
  apply(event: HciEvent): string | undefined {
    switch (event.type) {
      case "connection-request": {
        const seen = this.device(event.address);
        seen.classOfDevice = event.classOfDevice;
        return `hci: connection request from ${event.address} (class 0x${event.classOfDevice.toString(16).padStart(6, "0")})`;
      }
      case "connection-complete":
      case "le-connection-complete": {
        if (event.status !== 0) return undefined;
        const seen = this.device(event.address);
        seen.connected = true;
        if (event.type === "le-connection-complete") seen.addressType = event.addressType;
        this.handles.set(event.handle, event.address);
        return `hci: connected to ${event.address}`;
      }
      case "disconnection-complete": {
        const address = this.handles.get(event.handle);
        if (event.status !== 0 || !address) return undefined;
        this.handles.delete(event.handle);
        const seen = this.devices.get(address);
        if (seen) seen.connected = false;
        return `hci: disconnected from ${address}`;
      }
      case "remote-name":
        if (event.status !== 0 || event.name === "") return undefined;
        this.device(event.address).name = event.name;
        return undefined; // a name alone does not change compliance until the device pairs or connects
      case "link-key-notification":
        this.device(event.address).bonded = true;
        return `hci: new link key for ${event.address} (bonded)`;
      case "simple-pairing-complete":
        if (event.status !== 0) return undefined;
        this.device(event.address).bonded = true;
        return `hci: pairing completed with ${event.address}`;
      default:
        return undefined;
    }
  }

  observations(adapter?: string): BluetoothObservation[] {
    return [...this.devices.values()].map((seen) => {
      const observation: BluetoothObservation = {
        bus: "bluetooth",
        source: "hci",
        id: `bt:${seen.address}`,
        address: seen.address,
        uuids: [],
        paired: seen.bonded,
        bonded: seen.bonded,
        connected: seen.connected,
      };
      if (adapter) observation.adapter = adapter;
      if (seen.addressType) observation.addressType = seen.addressType;
      if (seen.name) observation.name = seen.name;
      if (seen.classOfDevice !== undefined) observation.classOfDevice = seen.classOfDevice;
      return observation;
    });
  }

  private device(address: string): Seen {
    let seen = this.devices.get(address);
    if (!seen) {
      if (this.devices.size >= maxDevices) {
        const oldest = [...this.devices.values()].find(
          (candidate) => !candidate.bonded && !candidate.connected,
        );
        if (oldest) this.devices.delete(oldest.address);
      }
      seen = { address, bonded: false, connected: false };
      this.devices.set(address, seen);
    }
    return seen;
  }
}
