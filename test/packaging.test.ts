// Builds the single executable once and runs it the way a laptop would: copied out of the repo,
// with no node on PATH and no node_modules beside it. Slow (a few seconds per build, ~110 MB each):
// skip with ECA_SKIP_SEA=1.

import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import { type BuildResult, buildSea, EXEC_ARGV } from "../packaging/build-sea.ts";
import { exitWithin, forkEca, runEcaSync } from "./helpers/eca-cli.ts";
import { until } from "./helpers/until.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PINNED_NODE = join(
  REPO,
  "node_modules",
  "node",
  "bin",
  process.platform === "win32" ? "node.exe" : "node",
);
const EXE = process.platform === "win32" ? ".exe" : "";
const BUILD_TIMEOUT = 240_000;
const RUN_TIMEOUT = 30_000;

const skip = process.env.ECA_SKIP_SEA === "1";

let work = "";
let built: BuildResult;
let runDir = "";
let eca = "";
/** Whether the pinned node, under the executable's flags, rejected the build's code cache. */
let cacheRejected = "";

/** Runs a program with a bare environment: no node on PATH, no NODE_* variables, cwd outside the repo. */
function run(program: string, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(program, args, {
    cwd: runDir,
    encoding: "utf8",
    timeout: RUN_TIMEOUT,
    env: { PATH: join(runDir, "bin"), HOME: runDir, TMPDIR: join(runDir, "tmp"), LANG: "C", ...env },
  });
}

function copyFixture(from: string): string {
  const to = join(runDir, "fixtures", from.replaceAll("/", "_"));
  copyFileSync(join(REPO, from), to);
  return to;
}

describe.skipIf(skip)("single executable (SEA)", () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "eca-sea-test-"));
    // Strict by default, like a release build. ECA_SEA_ALLOW_MISSING=1 lets a tree with a local module
    // still being written build: that module throws when loaded, built.missingModules says which, and
    // the tests below only tolerate failures that such a module explains.
    built = await buildSea({
      outDir: join(work, "build"),
      node: PINNED_NODE,
      allowMissing: process.env.ECA_SEA_ALLOW_MISSING === "1",
    });
    if (built.missingModules.length > 0) {
      console.warn(`SEA built without (not in the tree yet): ${built.missingModules.join(", ")}`);
    }
    runDir = join(work, "laptop");
    for (const dir of ["bin", "tmp", "fixtures", "empty-root"])
      mkdirSync(join(runDir, dir), { recursive: true });
    eca = join(runDir, "bin", `eca${EXE}`);
    copyFileSync(built.executable, eca);
    // On disk, as an installed executable is: the kernel pages out only clean pages (startup-pages).
    const fd = openSync(eca, "r+");
    fsyncSync(fd);
    closeSync(fd);
    const compile = [
      'const { Script } = require("node:vm"), { readFileSync } = require("node:fs");',
      "const [bundle, cache, filename] = process.argv.slice(1);",
      'const script = new Script(readFileSync(bundle, "utf8"), { filename, cachedData: readFileSync(cache) });',
      "process.stdout.write(String(script.cachedDataRejected));",
    ].join("\n");
    const build = join(work, "build");
    // The whole program's bundle and `eca scan`'s own (agent/bin/eca-scan-bundle.ts).
    cacheRejected = ["eca.bundle", "eca.scan.bundle"]
      .map(
        (base) =>
          spawnSync(
            PINNED_NODE,
            [
              ...EXEC_ARGV,
              "-e",
              compile,
              join(build, `${base}.wrapped.cjs`),
              join(build, `${base}.cache`),
              `${base}.cjs`,
            ],
            { encoding: "utf8" },
          ).stdout,
      )
      .join(" ");
    rmSync(join(work, "build"), { recursive: true, force: true });
  }, BUILD_TIMEOUT);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("is one self-contained executable with no node to fall back on", () => {
    expect(built.bytes).toBeGreaterThan(20 * 1024 * 1024);
    expect(run("node", ["--version"]).error).toBeDefined(); // no node on the PATH the agent sees
  });

  it("eca --version prints the package version", () => {
    const result = run(eca, ["--version"]);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe(packageJson.version);
    expect(result.status).toBe(0);
  });

  // V8 rejects a code cache made under other flags, or by another V8, and compiles from source
  // instead: nothing fails, a scan only gets slower, so only this would notice.
  it("the code caches are accepted by the executable's V8 under the executable's flags", () => {
    expect(cacheRejected).toBe("false false");
  });

  it("eca scan and eca --help into a pipe whose reader has gone end quietly (no EPIPE stack trace)", () => {
    const example = join(REPO, "examples", "laptop-with-phone-and-stick");
    // The reader exits at once; eca writes tens of milliseconds later, into a closed pipe.
    for (const args of [["scan", "--json", "--root", example], ["--help"]]) {
      const result = spawnSync(
        "bash",
        [
          "--norc",
          "--noprofile",
          "-c",
          'set -o pipefail; "$@" | (exit 0); echo "exit $(( PIPESTATUS[0] ))"',
          "-",
          eca,
          ...args,
        ],
        {
          cwd: runDir,
          encoding: "utf8",
          timeout: RUN_TIMEOUT,
          env: { PATH: `${join(runDir, "bin")}:/usr/bin:/bin` },
        },
      );
      expect(result.stderr, args.join(" ")).toBe("");
      expect(result.stdout, args.join(" ")).toMatch(/^exit [013]\n$/);
    }
  });

  // `eca scan`'s own bundle leaves out systeminformation and the other platforms' probes
  // (scanBundleLeavesOut): a scan that may need them must run from the whole program's bundle.
  it("eca scan --backend systeminformation reaches systeminformation (not the scan bundle's stub)", () => {
    const result = run(eca, ["scan", "--json", "--backend", "systeminformation"]);
    expect([0, 1, 3], result.stderr).toContain(result.status);
    const report = JSON.parse(result.stdout) as { unavailable: { reason: string }[] };
    expect(report.unavailable.map((source) => source.reason).join("\n")).not.toContain("not in this bundle");
  });

  it("eca scan --capture of a Mac and of a Windows laptop replays them with their platform's probes", () => {
    for (const capture of ["mac-intel-t2-keyboard-hub", "win-lenovo-p52-intel"]) {
      const folder = join(REPO, "test", "fixtures", "captures", capture);
      for (const args of [["--capture", folder], [`--capture=${folder}`]]) {
        const result = run(eca, ["scan", "--json", ...args]);
        expect([0, 1], `${capture}: ${result.stderr}`).toContain(result.status);
        const report = JSON.parse(result.stdout) as { devices: unknown[]; unavailable: unknown[] };
        expect(report.unavailable, capture).toEqual([]);
        expect(report.devices.length, capture).toBeGreaterThan(0);
      }
    }
  });

  it("eca policy check accepts a good policy (exit 0)", () => {
    const good = copyFixture("test/fixtures/policies/good/full.yaml");
    const result = run(eca, ["policy", "check", good]);
    expect(result.stdout).toContain("valid policy");
    expect(result.status).toBe(0);
  });

  it("eca policy check rejects a bad policy with the place and the fix (exit 2)", () => {
    const bad = copyFixture("test/fixtures/policies/bad/wrong-kind.yaml");
    const result = run(eca, ["policy", "check", bad]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("is not valid");
    expect(result.stderr).toContain("approvals[0].kind");
    expect(result.stderr).toContain("fix:");
  });

  it("a scan's error goes to stderr whole, naming the file and the fix, with exit 2 and nothing on stdout", () => {
    const result = run(eca, ["scan", "--policy", join(runDir, "no-such-policy.yaml")]);
    expect(result.stderr).toBe(
      `eca: ${join(runDir, "no-such-policy.yaml")} is not valid:\n  - is missing (fix: check the path, or leave --policy out to use the built-in policy)\n`,
    );
    expect(result.stdout).toBe("");
    expect(result.status).toBe(2);
  });

  it("eca scan --json on an empty root prints one JSON report (exit 3: nothing could be checked)", () => {
    const result = run(eca, ["scan", "--json", "--root", join(runDir, "empty-root")]);
    if (result.status === 2 && built.missingModules.length > 0) {
      expect(result.stderr).toContain("is not built into this executable");
      return;
    }
    expect(result.stderr).toBe("");
    const report = JSON.parse(result.stdout) as { compliant: unknown; unobserved: string[] };
    // An empty tree has no /sys: USB could not be observed, so not compliant and exit 3.
    expect(report.compliant).toBe(false);
    expect(report.unobserved).toContain("usb");
    expect(result.status).toBe(3);
  });

  const example = join(REPO, "examples", "laptop-with-phone-and-stick");
  it.skipIf(!existsSync(example))("eca scan gives the same report as the development build", () => {
    const args = ["scan", "--json", "--root", example, "--backend", "linux-sysfs", "bluez-store"];
    const sea = run(eca, args);
    const dev = runEcaSync(args, { node: PINNED_NODE, timeoutMs: RUN_TIMEOUT });
    if (dev.code === 2) return; // the development tree itself cannot scan yet
    expect(sea.status).toBe(dev.code);
    const strip = (out: string) => {
      const { scannedAt: _ignored, ...rest } = JSON.parse(out) as Record<string, unknown>;
      return rest;
    };
    expect(strip(sea.stdout)).toEqual(strip(dev.stdout));
  });

  it.skipIf(!existsSync(example))("eca run serves eca status and stops cleanly on SIGTERM", async () => {
    if (!run(eca, ["--help"]).stdout.includes("run [options]")) return; // no daemon in the tree yet
    const state = join(runDir, "state");
    const socket = join(runDir, "eca.sock");
    const daemon = forkEca(
      ["run", "--state-dir", state, "--socket", socket, "--root", example, "--backend", "linux-sysfs"],
      {
        node: eca,
        entry: null,
        cwd: runDir,
        onlyEnv: { PATH: join(runDir, "bin"), HOME: runDir, TMPDIR: join(runDir, "tmp") },
      },
    );
    try {
      await until(() => existsSync(socket), "the status socket", 15_000);
      const status = run(eca, ["status", "--json", "--socket", socket]);
      expect(status.stdout).toContain('"compliant"');
      expect(() => JSON.parse(status.stdout)).not.toThrow();
    } finally {
      daemon.child.kill("SIGTERM");
    }
    expect((await exitWithin(daemon, RUN_TIMEOUT)).code).toBe(0);
  });

  it.skipIf(!existsSync(example) || process.platform !== "linux")(
    "eca run gives back its start-up pages once started, through the koffi built into it",
    async () => {
      const socket = join(runDir, "pages.sock");
      const daemon = forkEca(
        ["run", "--state-dir", join(runDir, "state-pages"), "--socket", socket, "--root", example],
        {
          node: eca,
          entry: null,
          cwd: runDir,
          onlyEnv: {
            PATH: join(runDir, "bin"),
            HOME: runDir,
            TMPDIR: join(runDir, "tmp"),
            ECA_LOG_LEVEL: "info",
          },
        },
      );
      try {
        await until(() => daemon.output().includes('"start-up pages '), "the start-up pages line", 30_000);
        const line = daemon
          .output()
          .split("\n")
          .find((text) => text.includes('"start-up pages ')) as string;
        const logged = JSON.parse(line) as {
          msg: string;
          residentFileKB: number;
          residentFileKBAfter: number;
        };
        expect(logged.msg).toBe("start-up pages given back to the kernel");
        expect(logged.residentFileKBAfter * 2).toBeLessThan(logged.residentFileKB);
      } finally {
        daemon.child.kill("SIGTERM");
      }
      expect((await exitWithin(daemon, RUN_TIMEOUT)).code).toBe(0);
    },
    60_000,
  );

  it("eca scan --backend hci never crashes: the HCI source is at worst unavailable", () => {
    const result = run(eca, ["scan", "--json", "--backend", "hci", "--root", join(runDir, "empty-root")]);
    if (result.status === 2 && built.missingModules.some((m) => m.endsWith("hci.ts"))) return;
    expect(result.signal).toBeNull();
    expect([0, 1, 3]).toContain(result.status);
    expect(typeof (JSON.parse(result.stdout) as { compliant: unknown }).compliant).toBe("boolean");
  });

  it("npm packages kept out of the bundle (LIBRARY_PACKAGES) are not in it, and the executable loads each from its own asset on first use", () => {
    // The run above built and ran them: libusb and the HCI socket there, systeminformation here.
    const result = run(eca, [
      "scan",
      "--json",
      "--backend",
      "systeminformation",
      "libusb",
      "--root",
      join(runDir, "empty-root"),
    ]);
    expect(result.signal).toBeNull();
    const report = JSON.parse(result.stdout) as { unavailable: { source: string; reason: string }[] };
    expect(report.unavailable.filter((u) => /could not load|not installed/.test(u.reason))).toEqual([]);
    expect(built.bundleBytes).toBeLessThan(700 * 1024);
  });
});

// The executable's main script (agent/bin/eca-sea.cjs) compiles and runs the bundle from a SEA
// asset: the addons, assets themselves, must load from there too.
describe.skipIf(skip)("native addons embedded in a single executable", () => {
  let dir = "";
  let probe = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "eca-sea-native-"));
    const entry = join(dir, "native-entry.ts");
    // The same lazy imports a probe backend would use; the build replaces node-gyp-build in them.
    writeFileSync(
      entry,
      [
        "async function probe(): Promise<void> {",
        "const results: Record<string, string> = {};",
        "for (const [name, load] of [",
        '  ["usb", () => import("usb")],',
        '  ["hci", () => import("@stoprocent/bluetooth-hci-socket")],',
        "] as const) {",
        "  try {",
        "    const m = (await load()) as { default?: unknown };",
        "    const value = (m.default ?? m) as Record<string, unknown>;",
        '    results[name] = name === "usb" ? typeof value.getDeviceList : typeof value;',
        "  } catch (error) {",
        '    results[name] = "unavailable: " + (error as Error).message;',
        "  }",
        "}",
        "process.stdout.write(JSON.stringify(results));",
        "}",
        // The bundle is one CommonJS module (no top-level await): the loader evaluates it.
        "void probe();",
      ].join("\n"),
    );
    const result = await buildSea({
      entry,
      name: "native-probe",
      outDir: join(dir, "build"),
      node: PINNED_NODE,
    });
    mkdirSync(join(dir, "bin"));
    probe = join(dir, "bin", `native-probe${EXE}`);
    copyFileSync(result.executable, probe);
    rmSync(join(dir, "build"), { recursive: true, force: true });
  }, BUILD_TIMEOUT);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function runProbe(env: Record<string, string>): Record<string, string> {
    const result = spawnSync(probe, [], { cwd: dir, encoding: "utf8", timeout: RUN_TIMEOUT, env });
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout) as Record<string, string>;
  }

  it.skipIf(process.platform !== "linux" || process.arch !== "x64")(
    "loads the prebuilt usb and HCI socket addons from the executable itself",
    () => {
      const tmp = join(dir, "tmp");
      mkdirSync(tmp, { recursive: true });
      expect(runProbe({ PATH: join(dir, "bin"), TMPDIR: tmp })).toEqual({
        usb: "function",
        hci: "function",
      });
    },
  );

  it("carries on when the addons cannot be written anywhere", () => {
    const results = runProbe({ PATH: join(dir, "bin"), TMPDIR: join(dir, "does-not-exist") });
    expect(results.usb).toMatch(/^unavailable: native addon usb/);
    expect(results.hci).toMatch(/^unavailable: native addon bluetooth-hci-socket/);
  });
});
