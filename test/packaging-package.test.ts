// `npm run package` end to end, as CI runs it: every target's single executable built from the
// registry's Node (the tarballs are fetched with npm pack into .cache/node once, then reused), each
// one's headers read back, the Linux x64 one run; the .deb checked by lintian, installed on this
// machine with dpkg -i, run, removed (state kept) and purged (state gone); the Linux artefacts built a
// second time and compared byte for byte. Slow (~50 s on a shared 2-core machine: the macOS builds,
// gzip and lintian take most of it): skip with ECA_SKIP_PACKAGE=1. ECA_PACKAGE_TARGETS=linux-x64 builds
// only that target (the format checks of the others are then skipped).

import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectExecutable } from "../packaging/inspect-executable.ts";
import { DEB_CONFIG, DEB_DEPENDS, DEB_EXECUTABLE, DEB_UNIT } from "../packaging/linux/deb.ts";
import { MACOS_CONFIG_EXAMPLE, MACOS_EXECUTABLE, MACOS_PLIST } from "../packaging/macos/payload.ts";
import { type PackageResult, packageAll } from "../packaging/package.ts";
import { installedKoffiAddon, koffiAddon, TARGETS, type Target } from "../packaging/targets.ts";

const REPO = resolve(import.meta.dirname, "..");
const EXAMPLE = join(REPO, "examples", "laptop-with-phone-and-stick");
const BUILD_TIMEOUT = 300_000;
const skip = process.env.ECA_SKIP_PACKAGE === "1";
const wanted = process.env.ECA_PACKAGE_TARGETS?.split(",") ?? TARGETS.map((t) => t.id);

function has(command: string, args = ["--version"]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).error === undefined;
}
const isRoot = process.getuid?.() === 0;
const canInstall = isRoot && has("dpkg") && process.platform === "linux" && process.arch === "x64";

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

let work = "";
let first: PackageResult;
let lintian: Promise<{ status: number | null; output: string }> | undefined;

function executableOf(id: Target["id"]): string {
  const built = first.executables.find((e) => e.target === id);
  if (!built) throw new Error(`${id} was not built`);
  return built.executable;
}

// One build for the whole file (every describe below reads it), removed when the file is done.
beforeAll(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), "eca-package-test-"));
  first = await packageAll({ targets: wanted, outDir: join(work, "a"), msi: false });
}, BUILD_TIMEOUT);

afterAll(async () => {
  await lintian;
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skip)("npm run package", () => {
  beforeAll(() => {
    const deb = first.debs.find((d) => d.endsWith("_amd64.deb"));
    if (deb && has("lintian")) {
      // Started now, awaited in its test: lintian takes ~25 s and runs while the others do.
      lintian = new Promise((done) => {
        const child = spawn("lintian", [
          "--tag-display-limit",
          "0",
          "-E",
          "--pedantic",
          "--fail-on",
          "error,warning,info,pedantic",
          deb,
        ]);
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.stderr.on("data", (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.on("close", (status) => done({ status, output }));
      });
    }
  });

  for (const target of TARGETS) {
    it.skipIf(!wanted.includes(target.id))(
      `${target.id}: a ${target.format} ${target.arch} executable with the SEA blob injected and the fuse flipped`,
      () => {
        const bytes = readFileSync(executableOf(target.id));
        const facts = inspectExecutable(bytes);
        expect(facts.format).toBe(target.format);
        expect(facts.arch).toBe(target.arch);
        expect(facts.fuse).toBe("flipped");
        expect(facts.seaBlob?.bytes).toBeGreaterThan(100_000);
        // The blob holds the bundle, wrapped as the main script (agent/bin/eca-sea.cjs) compiles it.
        const blob = bytes.subarray(
          facts.seaBlob?.offset,
          (facts.seaBlob?.offset ?? 0) + (facts.seaBlob?.bytes ?? 0),
        );
        expect(blob.includes("(function (exports, require, module, __filename, __dirname) {")).toBe(true);
        // node --build-sea drops the Mach-O signature: a Mac must sign it (build-pkg.sh).
        if (target.format === "mach-o") expect(facts.codeSignature).toBe(false);
        if (has("file")) {
          const described = execFileSync("file", ["-b", executableOf(target.id)], { encoding: "utf8" });
          const expected = {
            "linux-x64": /^ELF 64-bit LSB .*x86-64/,
            "linux-arm64": /^ELF 64-bit LSB .*ARM aarch64/,
            "win-x64": /^PE32\+ executable .*x86-64/,
            "darwin-x64": /^Mach-O 64-bit x86_64 executable/,
            "darwin-arm64": /^Mach-O 64-bit arm64 executable/,
          }[target.id];
          expect(described).toMatch(expected);
        }
      },
    );

    it.skipIf(!wanted.includes(target.id))(`${target.id}: embeds its own platform's prebuilt addons`, () => {
      const built = first.executables.find((e) => e.target === target.id);
      // The HCI socket addon is Linux-only: elsewhere the package resolves to its unsupported driver.
      // koffi is Windows's (the probes call CfgMgr32 through it) and Linux's (the daemon's madvise).
      expect(built?.addons).toEqual(
        target.platform === "linux"
          ? ["usb", "bluetooth-hci-socket", "koffi"]
          : target.platform === "win32"
            ? ["usb", "koffi"]
            : ["usb"],
      );
    });

    it.skipIf(!wanted.includes(target.id))(
      `${target.id}: ${target.koffi ? "carries" : "does not carry"} koffi's ${target.koffi ? "own-platform " : ""}addon in its SEA assets`,
      () => {
        const bytes = readFileSync(executableOf(target.id));
        const facts = inspectExecutable(bytes);
        const blob = bytes.subarray(
          facts.seaBlob?.offset,
          (facts.seaBlob?.offset ?? 0) + (facts.seaBlob?.bytes ?? 0),
        );
        // Each koffi target's addon, from its pinned tarball (glibc on Linux).
        const addons = new Map(
          TARGETS.filter((t) => t.koffi).map((t) => [t.id, readFileSync(koffiAddon(t) as string)]),
        );
        expect([...addons.keys()]).toEqual(["linux-x64", "linux-arm64", "win-x64"]);
        for (const [id, addon] of addons) {
          // Only this target's prebuild, not another's.
          expect(blob.includes(addon), `${id}'s addon`).toBe(id === target.id);
        }
        // Not the musl build npm installed beside the glibc one either.
        const musl = installedKoffiAddon(join(REPO, "node_modules"), "linux", "x64", "musl");
        if (musl) expect(blob.includes(readFileSync(musl))).toBe(false);
        if (target.koffi) {
          expect(blob.includes("native/koffi.node")).toBe(true);
        } else {
          expect(blob.includes("native/koffi.node")).toBe(false);
          // The bundle's "koffi" is a module saying it is not there, so the probes fall back.
          expect(
            blob.includes(`koffi is not built into this executable for ${target.platform}-${target.arch}`),
          ).toBe(true);
        }
      },
    );
  }

  it.skipIf(!wanted.includes("linux-x64") || process.arch !== "x64")(
    "the Linux x64 executable scans a recorded tree end to end",
    () => {
      const scan = spawnSync(executableOf("linux-x64"), ["scan", "--root", EXAMPLE, "--json"], {
        encoding: "utf8",
        env: { PATH: "/nonexistent", TMPDIR: work },
        timeout: 30_000,
      });
      expect(scan.stderr).toBe("");
      const report = JSON.parse(scan.stdout) as { compliant: boolean; devices: unknown[] };
      expect(report.compliant).toBe(false); // the example's phone and stick are findings
      expect(report.devices.length).toBeGreaterThan(0);
      expect(scan.status).toBe(1);
    },
  );

  const qemu = has("qemu-aarch64", ["-version"]) && existsSync("/usr/aarch64-linux-gnu/lib/libstdc++.so.6");
  it.skipIf(!wanted.includes("linux-arm64") || !wanted.includes("linux-x64") || !qemu)(
    "the Linux arm64 executable, run under qemu-aarch64, gives the x64 one's report and loads its HCI addon every time",
    () => {
      const run = (program: string[], args: string[]) => {
        const [command, ...rest] = program as [string, ...string[]];
        const result = spawnSync(command, [...rest, ...args], {
          encoding: "utf8",
          env: { PATH: "/nonexistent", TMPDIR: work },
          timeout: 60_000,
        });
        return { status: result.status, report: JSON.parse(result.stdout) as Record<string, unknown> };
      };
      // An absolute path: the programs run with an empty PATH.
      const qemuPath = execFileSync("sh", ["-c", "command -v qemu-aarch64"], { encoding: "utf8" }).trim();
      const arm = [qemuPath, "-L", "/usr/aarch64-linux-gnu", executableOf("linux-arm64")];
      const x64 = [executableOf("linux-x64")];
      const scan = ["scan", "--root", EXAMPLE, "--json"];
      const a = run(arm, scan);
      const b = run(x64, scan);
      expect(a.status).toBe(b.status);
      expect({ ...a.report, scannedAt: 0 }).toEqual({ ...b.report, scannedAt: 0 });
      // The addon loads; only opening the socket fails (no Bluetooth in the kernel here, or no adapter).
      // Three runs: import.meta.dirname, read by the HCI package when it is imported late, was
      // undefined in 4 runs of 6 under qemu until build-sea.ts read it once at start-up.
      for (let i = 0; i < 3; i++) {
        const hci = run(arm, ["scan", "--backend", "hci", "--json", "--root", work]);
        const reason = (hci.report.unavailable as { reason: string }[])[0]?.reason ?? "";
        expect(reason).not.toMatch(/not installed|could not be loaded|not built into/);
      }
    },
    120_000,
  );

  it("SHA256SUMS lists every artefact with its digest", () => {
    const lines = readFileSync(first.sums, "utf8").trim().split("\n");
    for (const line of lines) {
      const [digest, name] = line.split("  ");
      expect(sha256(join(first.outDir, name ?? ""))).toBe(digest);
    }
    expect(lines.some((l) => l.endsWith(".deb"))).toBe(wanted.some((id) => id.startsWith("linux")));
  });

  for (const arch of ["x64", "arm64"] as const) {
    it.skipIf(!wanted.includes(`darwin-${arch}`))(`macOS ${arch}: a payload laid out for pkgbuild`, () => {
      const dir = join(first.outDir, `macos-${arch}`);
      const mode = (path: string) => statSync(join(dir, path)).mode & 0o7777;
      expect(sha256(join(dir, "root", MACOS_EXECUTABLE))).toBe(sha256(executableOf(`darwin-${arch}`)));
      expect(mode(join("root", MACOS_EXECUTABLE))).toBe(0o755);
      expect(mode(join("root", MACOS_PLIST))).toBe(0o644);
      expect(existsSync(join(dir, "root", MACOS_CONFIG_EXAMPLE))).toBe(true);
      for (const script of ["scripts/preinstall", "scripts/postinstall", "build-pkg.sh"]) {
        expect(mode(script)).toBe(0o755);
        expect(spawnSync("sh", ["-n", join(dir, script)]).status).toBe(0);
      }
      expect(readFileSync(join(dir, "ARCH"), "utf8").trim()).toBe(arch === "x64" ? "x86_64" : "arm64");
      // The plist is a valid property list naming the installed executable.
      const plist = spawnSync(
        "python3",
        [
          "-c",
          "import plistlib,sys,json; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))",
          join(dir, "root", MACOS_PLIST),
        ],
        { encoding: "utf8" },
      );
      expect((JSON.parse(plist.stdout) as { ProgramArguments: string[] }).ProgramArguments[0]).toBe(
        `/${MACOS_EXECUTABLE}`,
      );
    });
  }

  it.skipIf(!wanted.includes("linux-arm64") || !has("dpkg-deb"))(
    "the arm64 .deb holds the arm64 executable, every entry root's",
    () => {
      const deb = join(first.outDir, "eca_0.1.0_arm64.deb");
      expect(execFileSync("dpkg-deb", ["-f", deb, "Architecture"], { encoding: "utf8" }).trim()).toBe(
        "arm64",
      );
      const entries = execFileSync("dpkg-deb", ["-c", deb], { encoding: "utf8" }).trim().split("\n");
      for (const entry of entries) expect(entry.split(/\s+/)[1]).toBe("root/root");
      const exe = join(work, "arm64-eca");
      execFileSync("sh", [
        "-c",
        'dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/bin/eca > "$2"',
        "sh",
        deb,
        exe,
      ]);
      expect(sha256(exe)).toBe(sha256(executableOf("linux-arm64")));
    },
  );

  // Before lintian's test, so the second build runs while lintian does.
  it.skipIf(!wanted.includes("linux-x64") || !wanted.includes("linux-arm64"))(
    "two builds from the same commit give the same bytes (Linux executables and .debs)",
    async () => {
      const second = await packageAll({
        targets: ["linux-x64", "linux-arm64"],
        outDir: join(work, "b"),
        macos: false,
        msi: false,
      });
      const names = ["linux-x64/eca", "linux-arm64/eca", "eca_0.1.0_amd64.deb", "eca_0.1.0_arm64.deb"];
      for (const name of names) {
        expect(sha256(join(second.outDir, name)), name).toBe(sha256(join(first.outDir, name)));
      }
      rmSync(second.outDir, { recursive: true, force: true });
    },
    BUILD_TIMEOUT,
  );

  it.skipIf(!wanted.includes("linux-x64") || !has("lintian"))(
    "the .deb is lintian clean (each override justified)",
    async () => {
      const result = await lintian;
      expect(result?.output.split("\n").filter((l) => /^[EWIPX]: /.test(l))).toEqual([]);
      expect(result?.status).toBe(0);
      const overrides = readFileSync(
        join(REPO, "packaging", "linux", "debian", "lintian-overrides"),
        "utf8",
      ).split("\n");
      overrides.forEach((line, i) => {
        if (line.startsWith("eca: ") && !overrides[i - 1]?.startsWith("eca: ")) {
          expect(overrides[i - 1]?.startsWith("#"), `override without a reason: ${line}`).toBe(true);
        }
      });
    },
    120_000,
  );

  it.skipIf(!wanted.includes("linux-x64") || !has("dpkg-shlibdeps", ["--version"]))(
    "the .deb's Depends are what dpkg-shlibdeps finds in the amd64 executable",
    () => {
      const dir = join(work, "shlibdeps");
      mkdirSync(join(dir, "debian"), { recursive: true });
      writeFileSync(join(dir, "debian", "control"), "Source: eca\n\nPackage: eca\nArchitecture: any\n");
      const out = execFileSync("dpkg-shlibdeps", ["-O", executableOf("linux-x64")], {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      expect(out.trim()).toBe(`shlibs:Depends=${DEB_DEPENDS}`);
    },
  );
});

/** dpkg refuses to run while apt or another dpkg holds its lock: wait for it (at most a minute). */
function dpkg(args: string[]): { status: number | null; output: string } {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = spawnSync("dpkg", args, {
      encoding: "utf8",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    const output = `${result.stdout}${result.stderr}`;
    if (!/lock/i.test(output) || result.status === 0 || Date.now() > deadline)
      return { status: result.status, output };
    spawnSync("sleep", ["2"]);
  }
}

function owner(path: string): string {
  const stat = lstatSync(path);
  return `${stat.uid}:${stat.gid} ${(stat.mode & 0o7777).toString(8).padStart(4, "0")}`;
}

function installedStatus(): string {
  const result = spawnSync("dpkg-query", ["-W", `-f=$\{db:Status-Abbrev}`, "eca"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : "not installed";
}

describe.skipIf(skip || !canInstall || !wanted.includes("linux-x64"))(
  "the .deb installed with dpkg on this machine",
  () => {
    let deb = "";
    let daemon: ChildProcess | undefined;

    beforeAll(() => {
      deb = first.debs.find((d) => d.endsWith("_amd64.deb")) ?? "";
    });

    afterAll(() => {
      daemon?.kill("SIGKILL");
      if (installedStatus() !== "not installed") dpkg(["-P", "eca"]);
    });

    it("dpkg -i installs it and postinst enables the service, saying what to do where systemd does not run", () => {
      const result = dpkg(["-i", deb]);
      expect(result.status, result.output).toBe(0);
      expect(installedStatus()).toBe("ii");
      expect(existsSync("/etc/systemd/system/multi-user.target.wants/eca.service")).toBe(true);
      if (!existsSync("/run/systemd/system")) {
        expect(result.output).toContain("systemd is not running here, so the service was not started");
        expect(result.output).toContain("/usr/bin/eca run --config /etc/eca/config.yaml");
      }
    });

    it("installs each file with its owner and mode, the configuration as a conffile", () => {
      expect(owner(DEB_EXECUTABLE)).toBe("0:0 0755");
      expect(owner(DEB_CONFIG)).toBe("0:0 0640");
      expect(owner("/etc/eca")).toBe("0:0 0755");
      expect(owner(DEB_UNIT)).toBe("0:0 0644");
      expect(owner("/usr/share/doc/eca/copyright")).toBe("0:0 0644");
      const unit = readFileSync(DEB_UNIT, "utf8");
      expect(unit).toMatch(/^ExecStart=\/usr\/bin\/eca run --config \/etc\/eca\/config.yaml$/m);
      expect(unit).not.toContain("/usr/local/bin");
      if (has("systemd-analyze")) {
        const verify = spawnSync("systemd-analyze", ["verify", DEB_UNIT], { encoding: "utf8" });
        expect(verify.stderr.split("\n").filter((l) => l.includes("eca.service"))).toEqual([]);
      }
      const conffiles = execFileSync("dpkg-query", ["-W", `-f=$\{Conffiles}`, "eca"], { encoding: "utf8" });
      expect(conffiles).toContain(DEB_CONFIG);
      expect(readFileSync(DEB_CONFIG)).toEqual(readFileSync(join(REPO, "packaging", "config.example.yaml")));
    });

    it("the installed eca scans a recorded tree", () => {
      const scan = spawnSync(DEB_EXECUTABLE, ["scan", "--root", EXAMPLE, "--json"], {
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(scan.status).toBe(1);
      expect((JSON.parse(scan.stdout) as { compliant: boolean }).compliant).toBe(false);
    });

    it("the installed eca run keeps its state in /var/lib/eca and answers on /run/eca/eca.sock", async () => {
      const config = join(work, "config.yaml");
      writeFileSync(config, "endpoint:\n  url: https://127.0.0.1:9/eca/events\npollIntervalSeconds: 60\n");
      daemon = spawn(
        DEB_EXECUTABLE,
        ["run", "--config", config, "--root", EXAMPLE, "--backend", "linux-sysfs"],
        {
          stdio: "ignore",
        },
      );
      const exited = new Promise<number | null>((done) => daemon?.once("exit", (code) => done(code)));
      const deadline = Date.now() + 15_000;
      while (!existsSync("/run/eca/eca.sock") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      const status = spawnSync(DEB_EXECUTABLE, ["status", "--json"], { encoding: "utf8", timeout: 15_000 });
      daemon.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(status.stdout).toContain('"compliant"');
      expect(owner("/var/lib/eca")).toBe("0:0 0700");
      expect(existsSync("/var/lib/eca/state.db")).toBe(true);
    }, 30_000);

    it("dpkg -r removes the program and keeps the configuration and the state", () => {
      const result = dpkg(["-r", "eca"]);
      expect(result.status, result.output).toBe(0);
      expect(installedStatus()).toBe("rc");
      expect(existsSync(DEB_EXECUTABLE)).toBe(false);
      expect(existsSync(DEB_UNIT)).toBe(false);
      expect(existsSync(DEB_CONFIG)).toBe(true);
      expect(existsSync("/var/lib/eca/state.db")).toBe(true);
      // Masked while removed (debhelper's postrm), so a stray unit file cannot start it.
      expect(lstatSync("/etc/systemd/system/eca.service").isSymbolicLink()).toBe(true);
    });

    it("dpkg -P purges the configuration, the state and the service's enablement", () => {
      const result = dpkg(["-P", "eca"]);
      expect(result.status, result.output).toBe(0);
      expect(installedStatus()).toBe("not installed");
      expect(existsSync("/etc/eca")).toBe(false);
      expect(existsSync("/var/lib/eca")).toBe(false);
      expect(existsSync("/run/eca")).toBe(false);
      expect(existsSync("/etc/systemd/system/multi-user.target.wants/eca.service")).toBe(false);
      expect(lstatSync("/etc/systemd/system/eca.service", { throwIfNoEntry: false })).toBeUndefined();
    });
  },
);

describe.skipIf(skip)("checkExecutable", () => {
  it.skipIf(!wanted.includes("linux-x64"))(
    "refuses a plain Node binary: no blob, fuse not flipped",
    async () => {
      const { checkExecutable } = await import("../packaging/package.ts");
      const { nodeBinary, targetById } = await import("../packaging/targets.ts");
      const target = targetById("linux-x64");
      expect(() => checkExecutable(nodeBinary(target), target)).toThrow(
        /no NODE_SEA_BLOB; SEA fuse unflipped/,
      );
      const wrong = targetById("linux-arm64");
      expect(() => checkExecutable(executableOf("linux-x64"), wrong)).toThrow(/architecture x64, not arm64/);
    },
  );
});
