// localHostname reads Linux's /proc/sys/kernel/hostname instead of loading node:os. The faults it
// must not have: a name that differs from os.hostname() (the kernel's trailing newline kept, say),
// or no name at all where /proc is not there.

import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { localHostname } from "../agent/events/host-name.ts";

describe("localHostname", () => {
  it("is os.hostname() on this machine", () => {
    expect(localHostname()).toBe(hostname());
  });

  it("drops the newline the kernel ends the file with, and only that", () => {
    expect(localHostname("linux", () => "laptop-0423\n")).toBe("laptop-0423");
    expect(localHostname("linux", () => "laptop 0423 \n")).toBe("laptop 0423 ");
  });

  it("asks os.hostname() when /proc is not mounted, or the name is empty, or off Linux", () => {
    const missing = () => {
      throw Object.assign(new Error("ENOENT: no such file or directory"), { code: "ENOENT" });
    };
    expect(localHostname("linux", missing)).toBe(hostname());
    expect(localHostname("linux", () => "\n")).toBe(hostname());
    expect(localHostname("darwin", () => "not read\n")).toBe(hostname());
  });
});
