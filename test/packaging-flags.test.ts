// The build scripts' flags: one that no longer exists (the start-up snapshot's) must fail saying
// what to give instead, never be ignored while the build goes on without what was asked for.

import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function script(name: string, args: string[]) {
  return spawnSync(process.execPath, [join(REPO, "packaging", name), ...args], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("retired and unknown build flags", () => {
  for (const name of ["build-sea.ts", "package.ts"]) {
    it(`${name} --no-snapshot exits 2 naming --no-code-cache, before building anything`, () => {
      const result = script(name, ["--no-snapshot", "--out-dir", join(REPO, "dist", "never-written")]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("--no-snapshot is no longer an option");
      expect(result.stderr).toContain("--no-code-cache");
      expect(result.stdout).toBe("");
    });
  }

  it("build-sea.ts with an unknown flag exits 2 listing the flags it has", () => {
    const result = script("build-sea.ts", ["--code-cahce"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^build-sea: Unknown option '--code-cahce'.*--no-code-cache/);
  });
});
