// D-Bus server addresses ("unix:path=/run/dbus/system_bus_socket;tcp:host=127.0.0.1,port=1234"), per the spec.

export type Endpoint = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

export const defaultSystemBusAddress = "unix:path=/var/run/dbus/system_bus_socket";

/** The system bus address to use: explicit, then DBUS_SYSTEM_BUS_ADDRESS, then the standard socket. */
export function systemBusAddress(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit || env.DBUS_SYSTEM_BUS_ADDRESS || defaultSystemBusAddress;
}

/** Parses every connectable endpoint of an address list, in order; skips transports we don't speak. */
export function parseAddress(address: string): Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const entry of address.split(";")) {
    const colon = entry.indexOf(":");
    if (colon < 0) continue;
    const transport = entry.slice(0, colon);
    const keys = new Map<string, string>();
    for (const pair of entry.slice(colon + 1).split(",")) {
      const equals = pair.indexOf("=");
      if (equals > 0) keys.set(pair.slice(0, equals), unescapeValue(pair.slice(equals + 1)));
    }
    if (transport === "unix") {
      const path = keys.get("path");
      const abstract = keys.get("abstract");
      // Node reaches Linux abstract sockets through a leading NUL in the path.
      if (path) endpoints.push({ kind: "unix", path });
      else if (abstract) endpoints.push({ kind: "unix", path: `\0${abstract}` });
    } else if (transport === "tcp") {
      const port = Number(keys.get("port"));
      if (Number.isInteger(port) && port > 0) {
        endpoints.push({ kind: "tcp", host: keys.get("host") ?? "localhost", port });
      }
    }
  }
  return endpoints;
}

function unescapeValue(value: string): string {
  return value.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
