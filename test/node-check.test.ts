// `npm ci` on a machine whose own Node is older than the pinned one: no engine warnings, and with
// --ignore-scripts (no pinned binary) every entry point says why it cannot run and how to fix it.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runEcaSync } from "./helpers/eca-cli.ts";

const SYSTEM_NODE = "/usr/bin/node";
const systemVersion = existsSync(SYSTEM_NODE)
  ? spawnSync(SYSTEM_NODE, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim()
  : "";
const olderSystemNode = systemVersion !== "" && Number(systemVersion.split(".")[0]) < 26;

describe("installing on a machine with an older Node", () => {
  it("npm ci prints no EBADENGINE: package.json pins Node by devDependency, not engines", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as Record<string, unknown>;
    // npm warns about the root package's engines on every install with an older Node (measured
    // with npm 11.19 on Node 20), though the scripts never run on that Node.
    expect(pkg.engines).toBeUndefined();
    expect((pkg.devDependencies as Record<string, string>).node).toBe("26.10.0");
    expect((pkg.bin as Record<string, string>).eca).toBe("agent/bin/eca.mjs");
  });

  it("on the pinned Node the check passes and eca runs", () => {
    expect(runEcaSync([], { entry: join(REPO, "agent/bin/node-check.mjs") }).code).toBe(0);
    const result = runEcaSync(["--version"], { entry: join(REPO, "agent/bin/eca.mjs") });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.skipIf(!olderSystemNode)(
    "npm ci --ignore-scripts: npx eca on the older Node says why and how to fix it",
    () => {
      for (const entry of ["agent/bin/eca.mjs", "agent/bin/node-check.mjs"]) {
        const result = runEcaSync(["scan"], { node: SYSTEM_NODE, entry: join(REPO, entry) });
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(`this is Node ${systemVersion}, but eca needs Node 26.10.0`);
        expect(result.stderr).toContain("--ignore-scripts");
        expect(result.stderr).toContain("npm rebuild node");
        expect(result.stderr).not.toContain("ERR_UNKNOWN_FILE_EXTENSION");
      }
    },
  );
});
