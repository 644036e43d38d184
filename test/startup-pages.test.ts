// The daemon gives back its start-up pages (agent/daemon/startup-pages.ts): which mappings it
// advises, read from a recorded /proc/<pid>/maps of `eca run`; what it says when the kernel refuses;
// and, forked, the real madvise(MADV_PAGEOUT) through koffi emptying a private file mapping.

import { spawnSync } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { fileBackedReadOnly, parseMaps, residentKilobytes } from "../agent/daemon/proc-maps.ts";
import { type PageAdvisor, releasePages, releaseStartupPages } from "../agent/daemon/startup-pages.ts";
import { createLogger } from "../agent/log.ts";
import { installedKoffiAddon } from "../packaging/targets.ts";

const REPO = resolve(import.meta.dirname, "..");
const FIXTURES = join(REPO, "test", "fixtures", "proc");
const maps = readFileSync(join(FIXTURES, "eca-run-linux-x64.maps"), "latin1");
const status = readFileSync(join(FIXTURES, "eca-run-linux-x64.status"), "latin1");

/** An advisor that records each call and answers with `errno(call index)`. */
function recordingAdvisor(errno: (index: number) => number = () => 0) {
  const calls: [number, number][] = [];
  const advisor: PageAdvisor = {
    pageOut(start, length) {
      calls.push([start, length]);
      return errno(calls.length - 1);
    },
  };
  return { calls, advisor };
}

const readRecorded = (path: string) => (path.endsWith("/maps") ? maps : status);

describe("the mappings `eca run` gives back (a recorded /proc/<pid>/maps)", () => {
  const mappings = parseMaps(maps);
  const chosen = fileBackedReadOnly(mappings);

  it("reads every line but [vsyscall], whose page sits beyond exact numbers (and is no file)", () => {
    const lines = maps.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/^ffffffffff600000-.* \[vsyscall\]$/);
    expect(mappings).toHaveLength(lines.length - 1);
    expect(mappings[0]).toEqual({
      start: 0x400000,
      end: 0x82e000,
      perms: "r--p",
      path: "/usr/local/bin/eca",
    });
  });

  it("advises the executable's code and read-only data, shared libraries and the unlinked addon", () => {
    const paths = new Set(chosen.map((mapping) => mapping.path));
    expect(paths).toContain("/usr/local/bin/eca");
    expect(paths).toContain("/usr/lib/x86_64-linux-gnu/libc.so.6");
    expect(paths).toContain("/var/lib/eca/eca-native-jC3KNa/koffi.node (deleted)");
    // The executable's code (the text segment and V8's embedded builtins) is among them.
    expect(chosen.filter((m) => m.path === "/usr/local/bin/eca" && m.perms === "r-xp")).toHaveLength(2);
  });

  it("leaves writable, inaccessible, anonymous and pseudo-file mappings alone", () => {
    for (const mapping of chosen) {
      expect(mapping.perms).toMatch(/^r-[-x][ps]$/);
      expect(mapping.path.startsWith("/")).toBe(true);
    }
    const left = mappings.filter((mapping) => !chosen.includes(mapping));
    expect(left.some((m) => m.path === "[heap]")).toBe(true);
    expect(left.some((m) => m.path === "[vdso]")).toBe(true);
    expect(left.some((m) => m.path === "/usr/local/bin/eca" && m.perms === "rw-p")).toBe(true);
    expect(left.some((m) => m.perms === "---p")).toBe(true);
    expect(left.some((m) => m.path === "")).toBe(true);
  });

  it("reads resident file and anonymous kB from /proc/<pid>/status", () => {
    expect(residentKilobytes(status)).toEqual({ file: 17404, anon: 19080 });
    expect(residentKilobytes("Name:\teca\n")).toBeUndefined();
  });
});

describe("parseMaps on lines that are not the kernel's", () => {
  it("skips them: garbage, a reversed range, addresses beyond exact numbers", () => {
    const text = [
      "",
      "not a mapping",
      "7f0000001000-7f0000000000 r--p 00000000 fe:00 1 /reversed",
      "ffffffffffffff000-fffffffffffffffff r--p 00000000 fe:00 1 /too/high",
      "7f0000000000-7f0000001000 rwzp 00000000 fe:00 1 /bad/perms",
      "7f0000000000-7f0000001000 r--p 00000000 fe:00 1   /a path/with spaces",
    ].join("\n");
    expect(parseMaps(text)).toEqual([
      { start: 0x7f0000000000, end: 0x7f0000001000, perms: "r--p", path: "/a path/with spaces" },
    ]);
  });
});

describe("releasePages", () => {
  it("advises exactly the chosen ranges, each once, and reads resident memory before and after", () => {
    const { calls, advisor } = recordingAdvisor();
    const outcome = releasePages(advisor, readRecorded);
    expect(calls).toEqual(fileBackedReadOnly(parseMaps(maps)).map((m) => [m.start, m.end - m.start]));
    expect(outcome).toMatchObject({ advised: calls.length, refused: {}, before: { file: 17404 } });
    expect(outcome.kept).toBeUndefined();
  });

  it("stops at the first EPERM (a system call filter refuses every range alike) and says so", () => {
    const { calls, advisor } = recordingAdvisor(() => 1);
    const outcome = releasePages(advisor, readRecorded);
    expect(calls).toHaveLength(1);
    expect(outcome.kept).toBe("madvise is not permitted here (a system call filter?)");
  });

  it("names the kernel when every range is EINVAL (before Linux 5.4 MADV_PAGEOUT is unknown)", () => {
    const outcome = releasePages(recordingAdvisor(() => 22).advisor, readRecorded);
    expect(outcome.advised).toBe(0);
    expect(outcome.kept).toBe("this kernel cannot page out (MADV_PAGEOUT needs Linux 5.4 or later)");
  });

  it("counts ranges gone since the maps were read (ENOMEM) and gives the rest back", () => {
    const outcome = releasePages(recordingAdvisor((index) => (index === 2 ? 12 : 0)).advisor, readRecorded);
    expect(outcome.refused).toEqual({ 12: 1 });
    expect(outcome.kept).toBeUndefined();
  });

  it("logs what it gave back, and never throws when madvise cannot be had", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (line) => lines.push(line) });
    await releaseStartupPages(logger, async () => recordingAdvisor().advisor);
    await releaseStartupPages(logger, async () => {
      throw new Error("koffi cannot be loaded: no prebuild for this platform");
    });
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      "start-up pages given back to the kernel",
      "start-up pages kept: madvise or /proc/self could not be used",
    ]);
    expect(lines[1]).toContain("no prebuild for this platform");
  });
});

const addon = installedKoffiAddon(join(REPO, "node_modules"), process.platform, process.arch);

describe.skipIf(process.platform !== "linux" || addon === undefined)(
  "madvise(MADV_PAGEOUT) through koffi, in a forked Node",
  () => {
    it("drops the resident file pages of a mapping no other process shares", () => {
      // A private copy of koffi's addon, on a disk (pages of a tmpfs file cannot be paged out
      // without swap), synced (the kernel only drops clean pages), loaded by the child itself.
      mkdirSync(join(REPO, ".cache"), { recursive: true });
      const dir = mkdtempSync(join(REPO, ".cache", "eca-pageout-"));
      const copy = join(dir, "koffi.node");
      try {
        copyFileSync(addon as string, copy);
        const fd = openSync(copy, "r+");
        fsyncSync(fd);
        closeSync(fd);
        const child = spawnSync(
          process.execPath,
          [join(REPO, "test", "helpers", "page-out-child.ts"), copy],
          { encoding: "utf8", timeout: 30_000 },
        );
        expect(child.stderr).toBe("");
        expect(child.status).toBe(0);
        const result = JSON.parse(child.stdout) as {
          residentBefore: number;
          residentAfter: number;
          advised: number;
          refused: Record<string, number>;
        };
        expect(result.refused).toEqual({});
        expect(result.advised).toBeGreaterThan(0);
        expect(result.residentBefore).toBeGreaterThan(0);
        // Each madvise call returns through koffi's own code, so the few pages of that path come
        // straight back (with the kernel's 64 KiB fault-around): 700 kB → 148 kB when written.
        expect(result.residentAfter * 2).toBeLessThan(result.residentBefore);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
