// koffi inside the Windows executable: which addon is embedded is pinned in packaging/targets.ts and
// must be the one package-lock.json installs (koffi refuses an addon of another version), fetched
// with its integrity checked like the Node binaries. The build itself is checked in
// test/packaging-package.test.ts (the addon's bytes in the win-x64 SEA blob, in no other).

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSea } from "../packaging/build-sea.ts";
import { installedKoffiAddon, KOFFI_VERSION, TARGETS } from "../packaging/targets.ts";

const REPO = resolve(import.meta.dirname, "..");
const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; integrity?: string; optional?: boolean; os?: string[] }>;
};

describe("koffi's addon for the Windows executable", () => {
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

  it("only win-x64 embeds one, with the integrity package-lock.json records for that package", () => {
    expect(TARGETS.filter((t) => t.koffi).map((t) => t.id)).toEqual(["win-x64"]);
    const win = TARGETS.find((t) => t.id === "win-x64")?.koffi;
    const locked = lock.packages[`node_modules/${win?.package}`];
    expect(locked?.version).toBe(KOFFI_VERSION);
    expect(locked?.os).toEqual(["win32"]);
    expect(win?.integrity).toBe(locked?.integrity);
    expect(win?.member).toBe("package/win32_x64/koffi.node");
  });

  it.skipIf(process.platform !== "linux" || process.arch !== "x64")(
    "a native build finds the addon npm installed for this platform (koffi 3: @koromix/koffi-<os>-<arch>)",
    () => {
      expect(installedKoffiAddon(join(REPO, "node_modules"), "linux", "x64")).toBe(
        join(REPO, "node_modules", "@koromix", "koffi-linux-x64", "linux_x64", "koffi.node"),
      );
      // npm installs no other platform's package here: a cross build fetches it (koffiAddon).
      expect(installedKoffiAddon(join(REPO, "node_modules"), "win32", "x64")).toBeUndefined();
    },
  );
});

describe.skipIf(process.env.ECA_SKIP_SEA === "1" || process.platform !== "linux" || process.arch !== "x64")(
  "koffi embedded in a single executable (the Windows build's path, run here with the Linux addon)",
  () => {
    const PINNED_NODE = join(REPO, "node_modules", "node", "bin", "node");
    let dir = "";
    const executables: Record<"with" | "without", string> = { with: "", without: "" };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "eca-sea-koffi-"));
      const entry = join(dir, "koffi-entry.ts");
      // What probes/native/koffi.ts and cm-notify.ts use: a lazy import("koffi"), load, func, proto, register.
      writeFileSync(
        entry,
        [
          // One CommonJS bundle, no top-level await.
          "void (async () => {",
          "try {",
          '  const m = (await import("koffi")) as { default?: unknown };',
          '  const koffi = (m.default ?? m) as typeof import("koffi").default;',
          '  const strlen = koffi.load("libc.so.6").func("size_t strlen(const char *s)");',
          '  const proto = koffi.proto("uint32 Cb(int action)");',
          "  const slot = koffi.register((action: number) => action, koffi.pointer(proto));",
          "  koffi.unregister(slot);",
          '  process.stdout.write(JSON.stringify({ version: koffi.version, strlen: Number(strlen("USB\\\\VID_0781")) }));',
          "} catch (error) {",
          "  process.stdout.write(JSON.stringify({ error: (error as Error).message }));",
          "}",
          "})();",
        ].join("\n"),
      );
      const addon = installedKoffiAddon(join(REPO, "node_modules"), "linux", "x64");
      for (const kind of ["with", "without"] as const) {
        const built = await buildSea({
          entry,
          name: `koffi-${kind}`,
          outDir: join(dir, kind),
          node: PINNED_NODE,
          ...(kind === "with" && addon ? { koffiAddon: addon } : {}),
        });
        expect(built.addons.includes("koffi")).toBe(kind === "with");
        executables[kind] = built.executable;
      }
    }, 240_000);

    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function run(executable: string): Record<string, unknown> {
      const tmp = join(dir, "tmp");
      mkdirSync(tmp, { recursive: true });
      const result = spawnSync(executable, [], {
        cwd: dir,
        encoding: "utf8",
        timeout: 30_000,
        env: { PATH: "/nonexistent", TMPDIR: tmp },
      });
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    }

    it("loads the embedded addon as koffi itself, no node_modules beside it", () => {
      expect(run(executables.with)).toEqual({ version: KOFFI_VERSION, strlen: 12 });
    });

    it("without one, importing koffi fails saying so (the Windows probes then use PowerShell)", () => {
      expect(run(executables.without)).toEqual({
        error: "koffi is not built into this executable for linux-x64",
      });
    });
  },
);
