// agent/bounded-read.ts, the one reader of small input files (policies, capture files, the BlueZ
// store, the fleet key, machine ids): regular files only, never blocking, never past the bound.

import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readBoundedFile, readBoundedText } from "../agent/bounded-read.ts";

const work = mkdtempSync(join(tmpdir(), "eca-bounded-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("readBoundedFile", () => {
  it("reads a regular file whole, up to and including the bound", () => {
    const file = join(work, "exact");
    writeFileSync(file, "x".repeat(100));
    expect(readBoundedText(file, 100)).toEqual({ ok: true, text: "x".repeat(100) });
    expect(readBoundedFile(join(work, "exact"), 1 << 20)).toMatchObject({ ok: true });
  });

  it("reads an empty file as empty", () => {
    const file = join(work, "empty");
    writeFileSync(file, "");
    expect(readBoundedText(file, 10)).toEqual({ ok: true, text: "" });
  });

  it("a file one byte past the bound is refused with the file and the limit", () => {
    const file = join(work, "big");
    writeFileSync(file, "x".repeat(101));
    expect(readBoundedFile(file, 100)).toMatchObject({
      ok: false,
      problem: "too-large",
      reason: `${file} is larger than 100 bytes, the most eca reads of it`,
      hint: expect.stringContaining("check that the path"),
    });
  });

  it("a file whose size its file system does not report (procfs says 0) is still read, and bounded", () => {
    const whole = readBoundedText("/proc/self/status", 1 << 20);
    expect(whole.ok && whole.text).toContain("Name:");
    expect(readBoundedFile("/proc/self/status", 16)).toMatchObject({ ok: false, problem: "too-large" });
  });

  it("a missing file, and one under a file, are missing", () => {
    expect(readBoundedFile(join(work, "nope"), 10)).toMatchObject({
      ok: false,
      problem: "missing",
      reason: `${join(work, "nope")} is missing`,
    });
    expect(readBoundedFile(join(work, "exact", "below"), 10)).toMatchObject({ problem: "missing" });
  });

  it("a directory is refused as a directory", () => {
    const directory = join(work, "folder");
    mkdirSync(directory);
    expect(readBoundedFile(directory, 10)).toMatchObject({
      ok: false,
      problem: "directory",
      message: "is a directory, not a file",
    });
  });

  it("a FIFO with no writer does not hang the reader: it is refused unread", () => {
    const fifo = join(work, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(readBoundedFile(fifo, 10)).toMatchObject({
      ok: false,
      problem: "not-a-file",
      reason: `${fifo} is not a regular file (a FIFO)`,
      hint: expect.stringContaining("give a regular file"),
    });
  });

  it("a link to /dev/zero is refused as a device, not read to the bound", () => {
    const link = join(work, "zero");
    symlinkSync("/dev/zero", link);
    expect(readBoundedFile(link, 1 << 20)).toMatchObject({
      ok: false,
      problem: "not-a-file",
      message: "is not a regular file (a character device)",
    });
  });

  it("a link to a regular file is followed", () => {
    const link = join(work, "link");
    symlinkSync(join(work, "exact"), link);
    expect(readBoundedText(link, 100)).toMatchObject({ ok: true });
  });

  it.skipIf(process.getuid?.() === 0)(
    "a file the user may not read says so, with the errno and the fix",
    () => {
      const file = join(work, "secret");
      writeFileSync(file, "key");
      chmodSync(file, 0o000);
      expect(readBoundedFile(file, 10)).toMatchObject({
        ok: false,
        problem: "unreadable",
        code: "EACCES",
        message: "cannot be read (EACCES)",
        hint: expect.stringContaining("owner and mode"),
      });
    },
  );
});
