// Golden reports for the captured laptops in test/fixtures/captures/, through the real CLI:
// `eca scan --capture DIR --json` replays each folder as the platform in its manifest. Regenerate
// with UPDATE_GOLDEN=1 after a deliberate change, and read the diff.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runEca } from "./helpers/eca-cli.ts";
import { ecaScan, normaliseReport, REPO } from "./helpers/scan-cli.ts";

interface Case {
  name: string;
  exitCode: number;
  rules: string[];
}

const cases: Case[] = [
  // Bluetooth files are the macos-bluetooth fixtures (test/fixtures/macos-bluetooth/README.md).
  // Intel T2 MacBook Pro: T2 parts built in; Apple keyboard behind its own hub, iPhone, stick behind a hub.
  {
    name: "mac-intel-t2-keyboard-hub",
    exitCode: 1,
    rules: ["unapproved-peripheral", "phone-charging", "personal-storage"],
  },
  // Apple Silicon (M1): Android phone in MTP mode, receiver and SSD behind a hub, a serial bridge and a
  // stick whose port ioreg says nothing about.
  {
    name: "mac-apple-silicon-android-disk",
    exitCode: 1,
    rules: [
      "phone-charging",
      "unapproved-peripheral",
      "personal-storage",
      "personal-storage",
      "unapproved-peripheral",
      "vehicle-pairing",
      "unapproved-peripheral",
    ],
  },
  // macOS 26 (M4): SPUSBDataType empty, SPUSBHostDataType tells the stick is Removable.
  {
    name: "mac-tahoe-iphone-stick",
    exitCode: 1,
    rules: [
      "personal-storage",
      "phone-charging",
      "unapproved-peripheral",
      "unapproved-peripheral",
      "unapproved-peripheral",
      "unapproved-peripheral",
      "vehicle-pairing",
    ],
  },
  // The external hardware of examples/laptop-with-phone-and-stick (a Linux laptop) as an M2 Mac lists it.
  {
    name: "mac-same-hardware-as-linux-example",
    exitCode: 1,
    rules: ["phone-charging", "personal-storage", "unapproved-peripheral", "vehicle-pairing"],
  },
];

describe("eca scan --capture on the captured Macs", () => {
  for (const example of cases) {
    const directory = `test/fixtures/captures/${example.name}`;
    it(`${example.name}: JSON matches the golden file`, async () => {
      const { stdout, code } = await ecaScan(["--json", "--capture", directory]);
      expect(code).toBe(example.exitCode);
      const report = normaliseReport(JSON.parse(stdout));
      expect((report.findings as { rule: string }[]).map((f) => f.rule)).toEqual(example.rules);
      expect(report.unavailable).toEqual([]);
      const golden = join(REPO, "test/golden", `${example.name}.json`);
      const text = `${JSON.stringify(report, null, 2)}\n`;
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, "utf8"));
    });
  }
});

interface ReportDevice {
  id: string;
  kind: string;
  builtIn: boolean;
  verdict: string;
  findings: string[];
  isRootHub?: boolean;
  portPath?: string;
}

describe("a Mac judges the same hardware as a Linux laptop", () => {
  it("same devices, kinds, built-in decisions, verdicts, rules and finding ids for the external devices", async () => {
    const mac = JSON.parse(
      (await ecaScan(["--json", "--capture", "test/fixtures/captures/mac-same-hardware-as-linux-example"]))
        .stdout,
    );
    const linux = JSON.parse(
      (
        await ecaScan([
          "--json",
          "--backend",
          "linux-sysfs",
          "bluez-store",
          "--root",
          "examples/laptop-with-phone-and-stick",
        ])
      ).stdout,
    );
    const external = (report: { devices: ReportDevice[] }) =>
      report.devices
        .filter((device) => !device.builtIn && !device.id.startsWith("typec:"))
        .map(({ id, kind, builtIn, verdict, findings }) => ({ id, kind, builtIn, verdict, findings }));
    expect(external(mac)).toEqual(external(linux));
    const findings = (report: { findings: { id: string; rule: string; device: unknown }[] }) =>
      report.findings.map(({ id, rule }) => ({ id, rule }));
    expect(findings(mac)).toEqual(findings(linux));
  });
});

describe("eca scan --capture on the captured Windows laptops", () => {
  for (const name of [
    "win-dell-renesas",
    "win-laptop-with-phone-and-stick",
    "win-lenovo-p52-intel",
    "win-thinkpad-amd",
  ]) {
    it(`${name}: the CLI gives the devices and findings of its golden report (test/windows-scan.test.ts)`, async () => {
      const { stdout } = await ecaScan(["--json", "--capture", `test/fixtures/captures/${name}`]);
      const report = JSON.parse(stdout) as {
        devices: unknown[];
        findings: { id: string }[];
        unavailable: unknown[];
      };
      const golden = JSON.parse(
        readFileSync(join(REPO, "test/golden", `${name}.json`), "utf8"),
      ) as typeof report;
      expect(report.devices).toEqual(golden.devices);
      expect(report.findings.map((finding) => finding.id)).toEqual(
        golden.findings.map((finding) => finding.id),
      );
      expect(report.unavailable).toEqual(golden.unavailable);
    });
  }
});

describe("a replayed capture names the captured laptop", () => {
  it("host.hostname is the manifest's, not the machine replaying it (it said the replaying machine)", async () => {
    const { cpSync, mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const copy = join(mkdtempSync(join(tmpdir(), "eca-capture-host-")), "mac");
    cpSync(join(REPO, "test/fixtures/captures/mac-tahoe-iphone-stick"), copy, { recursive: true });
    const manifestFile = join(copy, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, hostname: "MOJ-MBP-0042" }));
    const { stdout } = await ecaScan(["--json", "--capture", copy]);
    expect(JSON.parse(stdout).host).toEqual({ hostname: "MOJ-MBP-0042" });
  });

  it("an approval scoped to the captured laptop's name applies on replay, one for the replaying machine does not (host facts were the replaying machine's)", async () => {
    const { cpSync, mkdtempSync } = await import("node:fs");
    const { hostname, tmpdir } = await import("node:os");
    const work = mkdtempSync(join(tmpdir(), "eca-capture-scoped-"));
    const copy = join(work, "mac");
    cpSync(join(REPO, "test/fixtures/captures/mac-tahoe-iphone-stick"), copy, { recursive: true });
    const manifestFile = join(copy, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, hostname: "MOJ-MBP-0042.local" }));
    const policy = join(work, "policy.yaml");
    const approval = (reference: string, host: string, productId: string, vendorId: string) =>
      [
        `  - reference: ${reference}`,
        "    kind: business",
        "    approvedBy: Jane Smith",
        `    approvedOn: ${new Date().toISOString().slice(0, 10)}`,
        `    hosts: [{ hostname: "${host}" }]`,
        `    match: { bus: usb, vendorId: "${vendorId}", productId: "${productId}" }`,
      ].join("\n");
    writeFileSync(
      policy,
      [
        "approvals:",
        approval("SNOW-1", "moj-mbp-0042", "029a", "05ac"),
        approval("SNOW-2", hostname(), "55fd", "0781"),
        "",
      ].join("\n"),
    );
    for (const command of [["scan"], ["policy", "explain"]]) {
      const { stdout } = await runEca([...command, "--json", "--policy", policy, "--capture", copy]);
      const devices = JSON.parse(stdout).devices as { id: string; verdict: string }[];
      expect(devices.find((d) => d.id.startsWith("usb:05ac:029a:"))?.verdict).toBe("approved");
      expect(devices.find((d) => d.id.startsWith("usb:0781:55fd:"))?.verdict).toBe("violation");
    }
  });
});
