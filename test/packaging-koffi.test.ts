// koffi inside the Windows and Linux executables (the Windows probes call CfgMgr32 through it, the
// Linux daemon madvise): which addon each embeds is pinned in packaging/targets.ts and must be the
// one package-lock.json installs (koffi refuses an addon of another version), fetched with its
// integrity checked like the Node binaries. The build itself is checked in
// test/packaging-package.test.ts (each target's own addon bytes in its SEA blob, in no other).

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSea } from "../packaging/build-sea.ts";
import { inspectExecutable } from "../packaging/inspect-executable.ts";
import {
  installedKoffiAddon,
  KOFFI_VERSION,
  koffiAddon,
  nodeBinary,
  TARGETS,
  targetById,
} from "../packaging/targets.ts";

const REPO = resolve(import.meta.dirname, "..");
const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
  packages: Record<
    string,
    { version?: string; integrity?: string; optional?: boolean; os?: string[]; cpu?: string[] }
  >;
};
const skipPackage = process.env.ECA_SKIP_PACKAGE === "1";

describe("koffi's addon for the Windows and Linux executables", () => {
  it("is pinned at the koffi version package-lock.json installs, an optional dependency", () => {
    expect(lock.packages["node_modules/koffi"]?.version).toBe(KOFFI_VERSION);
    expect(lock.packages["node_modules/koffi"]?.optional).toBe(true);
    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
      optionalDependencies: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(manifest.optionalDependencies.koffi).toBeDefined();
    expect(manifest.dependencies.koffi).toBeUndefined();
  });

  it("win-x64, linux-x64 and linux-arm64 embed one, each with the integrity package-lock.json records for its package", () => {
    expect(TARGETS.filter((t) => t.koffi).map((t) => t.id)).toEqual(["linux-x64", "linux-arm64", "win-x64"]);
    for (const target of TARGETS.filter((t) => t.koffi)) {
      const koffi = target.koffi;
      expect(koffi?.package).toBe(`@koromix/koffi-${target.platform}-${target.arch}`);
      const locked = lock.packages[`node_modules/${koffi?.package}`];
      expect(locked, target.id).toBeDefined();
      expect(locked?.version).toBe(KOFFI_VERSION);
      expect(locked?.os).toEqual([target.platform]);
      expect(locked?.cpu).toEqual([target.arch]);
      expect(koffi?.integrity, target.id).toBe(locked?.integrity);
      // The glibc build on Linux (the package's musl_<arch> is the other): the registry's Node is glibc.
      expect(koffi?.member).toBe(`package/${target.platform}_${target.arch}/koffi.node`);
    }
  });

  it.skipIf(skipPackage)(
    "each pinned tarball holds that member, a shared library for its target's machine (Linux: linked to glibc)",
    () => {
      for (const target of TARGETS.filter((t) => t.koffi)) {
        const addon = koffiAddon(target);
        expect(addon, target.id).toBeDefined();
        const bytes = readFileSync(addon as string);
        const facts = inspectExecutable(bytes);
        expect(facts.format, target.id).toBe(target.format);
        expect(facts.arch, target.id).toBe(target.arch);
        if (target.platform === "linux") {
          // DT_NEEDED names: glibc's libc.so.6, never musl's libc.musl-<arch>.so.1.
          expect(bytes.includes("libc.so.6\0"), target.id).toBe(true);
          expect(bytes.includes("libc.musl-"), target.id).toBe(false);
        }
      }
    },
    120_000,
  );

  it.skipIf(process.platform !== "linux" || process.arch !== "x64")(
    "a native build finds the addon npm installed for this platform (koffi 3: @koromix/koffi-<os>-<arch>)",
    () => {
      const dir = join(REPO, "node_modules", "@koromix", "koffi-linux-x64");
      expect(installedKoffiAddon(join(REPO, "node_modules"), "linux", "x64")).toBe(
        join(dir, "linux_x64", "koffi.node"),
      );
      expect(installedKoffiAddon(join(REPO, "node_modules"), "linux", "x64", "musl")).toBe(
        join(dir, "musl_x64", "koffi.node"),
      );
      // npm installs no other platform's package here: a cross build fetches it (koffiAddon).
      expect(installedKoffiAddon(join(REPO, "node_modules"), "win32", "x64")).toBeUndefined();
      expect(installedKoffiAddon(join(REPO, "node_modules"), "linux", "arm64")).toBeUndefined();
    },
  );
});

describe.skipIf(process.env.ECA_SKIP_SEA === "1" || process.platform !== "linux" || process.arch !== "x64")(
  "koffi embedded in a single executable built as npm run build:sea builds the Linux one",
  () => {
    const PINNED_NODE = join(REPO, "node_modules", "node", "bin", "node");
    // The linux-arm64 one too, cross-built as npm run package builds it, run under qemu-aarch64.
    const qemu =
      !skipPackage &&
      spawnSync("qemu-aarch64", ["-version"], { stdio: "ignore" }).error === undefined &&
      existsSync("/usr/aarch64-linux-gnu/lib/libstdc++.so.6");
    let dir = "";
    const executables: Record<"with" | "without" | "arm64", string> = { with: "", without: "", arm64: "" };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "eca-sea-koffi-"));
      const entry = join(dir, "koffi-entry.ts");
      // What probes/native/koffi.ts, cm-notify.ts and the daemon use: a lazy import("koffi"), load,
      // func, proto, register; madvise as the daemon calls it, with MADV_NORMAL (0, which changes
      // nothing) on the first mapping /proc/self/maps lists (page-aligned: the executable itself).
      writeFileSync(
        entry,
        [
          'import { readFileSync } from "node:fs";',
          // One CommonJS bundle, no top-level await.
          "void (async () => {",
          "try {",
          '  const m = (await import("koffi")) as { default?: unknown };',
          '  const koffi = (m.default ?? m) as typeof import("koffi").default;',
          '  const libc = koffi.load("libc.so.6");',
          '  const strlen = libc.func("size_t strlen(const char *s)");',
          '  const madvise = libc.func("int madvise(uintptr_t addr, size_t length, int advice)");',
          '  const [start = "", end = ""] = readFileSync("/proc/self/maps", "utf8").split(" ")[0]?.split("-") ?? [];',
          '  const proto = koffi.proto("uint32 Cb(int action)");',
          "  const slot = koffi.register((action: number) => action, koffi.pointer(proto));",
          "  koffi.unregister(slot);",
          "  process.stdout.write(JSON.stringify({",
          "    version: koffi.version,",
          '    strlen: Number(strlen("USB\\\\VID_0781")),',
          '    madvise: madvise(BigInt("0x" + start), Number(BigInt("0x" + end) - BigInt("0x" + start)), 0),',
          "  }));",
          "} catch (error) {",
          "  process.stdout.write(JSON.stringify({ error: (error as Error).message }));",
          "}",
          "})();",
        ].join("\n"),
      );
      for (const kind of ["with", "without"] as const) {
        // "with": the defaults, as npm run build:sea (the installed addon, picked for this libc).
        const built = await buildSea({
          entry,
          name: `koffi-${kind}`,
          outDir: join(dir, kind),
          node: PINNED_NODE,
          ...(kind === "without" ? { koffiAddon: false as const } : {}),
        });
        expect(built.addons).toEqual(
          kind === "with" ? ["usb", "bluetooth-hci-socket", "koffi"] : ["usb", "bluetooth-hci-socket"],
        );
        executables[kind] = built.executable;
      }
      if (qemu) {
        const arm64 = targetById("linux-arm64");
        const built = await buildSea({
          entry,
          name: "koffi-arm64",
          outDir: join(dir, "arm64"),
          node: nodeBinary(arm64),
          platform: "linux",
          arch: "arm64",
          libc: "glibc",
          koffiAddon: koffiAddon(arm64) as string,
        });
        expect(built.addons).toEqual(["usb", "bluetooth-hci-socket", "koffi"]);
        executables.arm64 = built.executable;
      }
    }, 240_000);

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function run(executable: string | string[], env: Record<string, string> = {}): Record<string, unknown> {
      const tmp = join(dir, "tmp");
      mkdirSync(tmp, { recursive: true });
      const [command, ...args] = (typeof executable === "string" ? [executable] : executable) as [
        string,
        ...string[],
      ];
      const result = spawnSync(command, args, {
        cwd: dir,
        encoding: "utf8",
        timeout: 30_000,
        env: { PATH: "/nonexistent", TMPDIR: tmp, ...env },
      });
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    }

    it("loads the embedded addon as koffi itself, no node_modules beside it, and madvise returns 0", () => {
      expect(run(executables.with)).toEqual({ version: KOFFI_VERSION, strlen: 12, madvise: 0 });
    });

    it.skipIf(!qemu)(
      "the linux-arm64 one, cross-built with the pinned arm64 addon, does the same under qemu-aarch64",
      () => {
        // An absolute path: the program runs with an empty PATH.
        const qemuPath = execFileSync("sh", ["-c", "command -v qemu-aarch64"], { encoding: "utf8" }).trim();
        expect(run([qemuPath, "-L", "/usr/aarch64-linux-gnu", executables.arm64])).toEqual({
          version: KOFFI_VERSION,
          strlen: 12,
          madvise: 0,
        });
      },
    );

    it("writes the addon where the others go: ECA_NATIVE_DIR or $STATE_DIRECTORY when the temporary directory is gone", () => {
      const missing = join(dir, "no-such-tmp");
      for (const variable of ["ECA_NATIVE_DIR", "STATE_DIRECTORY"]) {
        const base = join(dir, variable.toLowerCase());
        mkdirSync(base, { recursive: true });
        expect(run(executables.with, { TMPDIR: missing, [variable]: base })).toMatchObject({ madvise: 0 });
      }
    });

    it("where it cannot be written anywhere, importing koffi fails naming each place tried", () => {
      const missing = join(dir, "no-such-tmp");
      const { error } = run(executables.with, { TMPDIR: missing });
      expect(error).toMatch(/^native addon koffi could not be loaded \(/);
      expect(error).toContain(missing);
    });

    it("without one, importing koffi fails saying so (the Windows probes then use PowerShell, the daemon keeps its pages)", () => {
      expect(run(executables.without)).toEqual({
        error: "koffi is not built into this executable for linux-x64",
      });
    });
  },
);
