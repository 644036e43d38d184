// This laptop's identity for scoped approvals: read by the events' host identity reader, and the
// names an approval's `hosts` entry may give for it (short, fully qualified, any case).

import { describe, expect, it } from "vitest";
import { hostFactsFrom, readHostFacts } from "../agent/daemon/host-facts.ts";
import { appliesHere } from "../policy/evaluate.ts";
import type { Approval } from "../policy/types.ts";
import type { SourceReader } from "../probes/capture/sources.ts";

const approvalFor = (hostname: string): Approval => ({
  reference: "SNOW-1",
  kind: "accessibility",
  approvedBy: "Jane Smith",
  approvedOn: "2026-03-14",
  match: { bus: "usb", vendorId: "046d" },
  hosts: [{ hostname }],
});

/** Answers `hostname --fqdn` and nothing else, as a Linux laptop in a domain would. */
function fqdnReader(fqdn: string | undefined): SourceReader {
  return {
    kind: "capture",
    read: async (source) =>
      source.file === "hostname-fqdn.txt" && fqdn !== undefined
        ? { ok: true, text: `${fqdn}\n`, durationMs: 0 }
        : { ok: false, reason: `${source.file} not recorded` },
  };
}

const noFiles = () => {
  throw new Error("ENOENT");
};

describe("host facts", () => {
  it("are the events' host identity: short name, domain, serial, Linux machine id", () => {
    expect(
      hostFactsFrom({
        hostname: "sam-laptop",
        domain: "corp.example.gov.uk",
        serial: "PF3ABCDE",
        uid: "0123456789abcdef0123456789abcdef",
        os: { name: "Linux", type: "Linux", type_id: 200, version: "6.12" },
      }),
    ).toEqual({
      hostname: "sam-laptop",
      domain: "corp.example.gov.uk",
      serial: "PF3ABCDE",
      machineId: "0123456789abcdef0123456789abcdef",
    });
    // A Mac's IOPlatformUUID is the events' device.uid, not a machine id an approval can name.
    expect(
      hostFactsFrom({
        hostname: "jos-mbp",
        uid: "6A1C2B3D-0000-4000-8000-123456789ABC",
        os: { name: "Darwin", type: "macOS", type_id: 300, version: "24.1.0" },
      }),
    ).toEqual({ hostname: "jos-mbp" });
  });

  it("an approval written with the FQDN did not match a laptop whose OS gives the short name (host facts had no domain)", async () => {
    const host = await readHostFacts({
      platform: "linux",
      hostname: "sam-laptop",
      read: noFiles,
      sources: fqdnReader("sam-laptop.corp.example.gov.uk"),
    });
    expect(host).toEqual({ hostname: "sam-laptop", domain: "corp.example.gov.uk" });
    expect(appliesHere(approvalFor("sam-laptop.corp.example.gov.uk"), host)).toBe(true);
    expect(appliesHere(approvalFor("SAM-LAPTOP.Corp.Example.Gov.UK."), host)).toBe(true);
    expect(appliesHere(approvalFor("sam-laptop"), host)).toBe(true);
  });

  it("an approval written with the short name did not match a laptop whose OS gives the FQDN (host facts had the full name)", async () => {
    const host = await readHostFacts({
      platform: "linux",
      hostname: "sam-laptop.corp.example.gov.uk",
      read: noFiles,
      sources: fqdnReader(undefined),
    });
    expect(host.hostname).toBe("sam-laptop");
    expect(appliesHere(approvalFor("Sam-Laptop"), host)).toBe(true);
    expect(appliesHere(approvalFor("sam-laptop.corp.example.gov.uk"), host)).toBe(true);
  });

  it("a Mac matches its short name and the Bonjour name its `hostname` prints", async () => {
    const host = await readHostFacts({
      platform: "darwin",
      hostname: "Jos-MacBook-Pro.local",
      sources: fqdnReader(undefined),
    });
    expect(host).toEqual({ hostname: "Jos-MacBook-Pro" });
    expect(appliesHere(approvalFor("jos-macbook-pro"), host)).toBe(true);
    expect(appliesHere(approvalFor("Jos-MacBook-Pro.local"), host)).toBe(true);
  });

  it("another laptop's name, or this name in another domain, does not match", async () => {
    const host = { hostname: "sam-laptop", domain: "corp.example.gov.uk" };
    expect(appliesHere(approvalFor("alex-laptop"), host)).toBe(false);
    expect(appliesHere(approvalFor("sam-laptop.other.example"), host)).toBe(false);
    expect(appliesHere(approvalFor("sam"), host)).toBe(false);
    // With no known domain, a fully qualified name is not guessed to be this laptop's.
    expect(appliesHere(approvalFor("sam-laptop.corp.example.gov.uk"), { hostname: "sam-laptop" })).toBe(
      false,
    );
  });

  it("on this machine: the host name's first label, and no firmware placeholder as a serial", async () => {
    const facts = await readHostFacts();
    expect(facts.hostname.length).toBeGreaterThan(0);
    expect(facts.hostname).not.toContain(".");
    if (facts.serial) expect(facts.serial).not.toMatch(/^(0+|to be filled by o\.e\.m\.|default string)$/i);
  });
});
