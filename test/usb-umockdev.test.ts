// Runs the Linux USB probe, unmodified, on recorded devices: umockdev-run presents each recording
// as /sys and /dev through LD_PRELOAD, and a forked Node 26 prints the snapshot. The same recording
// turned into a plain tree (test/tools/umockdev-to-tree.ts) and read with `root` must give the
// same JSON, and both must match the golden file (UPDATE_GOLDEN=1 rewrites it).

import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { umockdevToTree } from "./tools/umockdev-to-tree.ts";

const run = promisify(execFile);
const repository = join(import.meta.dirname, "..");
const fixtures = join(repository, "test/fixtures/usb");
const printer = join(repository, "test/tools/print-usb-snapshot.ts");
// The pinned Node 26 (what `npx node` runs): type stripping needs it, whatever node runs vitest.
const node = join(repository, "node_modules/.bin/node");
const recordings = (await readdir(fixtures)).filter((name) => name.endsWith(".umockdev")).sort();
const scratch = await mkdtemp(join(tmpdir(), "eca-usb-umockdev-"));

afterAll(() => rm(scratch, { recursive: true, force: true }));

async function underUmockdev(recording: string): Promise<string> {
  const { stdout } = await run("umockdev-run", ["--device", join(fixtures, recording), "--", node, printer], {
    cwd: repository,
  });
  return stdout;
}

async function fromTree(recording: string): Promise<string> {
  const tree = join(scratch, recording);
  await umockdevToTree(await readFile(join(fixtures, recording), "latin1"), tree);
  const { stdout } = await run(node, [printer, tree], { cwd: repository });
  return stdout;
}

async function expectGolden(name: string, actual: string): Promise<void> {
  const golden = join(repository, "test/golden", name);
  if (process.env.UPDATE_GOLDEN) await writeFile(golden, actual);
  expect(actual).toBe(await readFile(golden, "utf8"));
}

describe("Linux USB probe on umockdev recordings", () => {
  it("has recordings to run", () => {
    expect(recordings.length).toBeGreaterThanOrEqual(4);
  });

  for (const recording of recordings) {
    it(`${recording}: umockdev-run at / and --root tree agree, and match the golden file`, async () => {
      const [viaUmockdev, viaTree] = await Promise.all([underUmockdev(recording), fromTree(recording)]);
      expect(JSON.parse(viaUmockdev).snapshot.observations.length).toBeGreaterThan(0);
      expect(viaTree).toBe(viaUmockdev);
      await expectGolden(`usb-${recording.replace(/\.umockdev$/, "")}.json`, viaUmockdev);
    });
  }
});

describe("example laptops", () => {
  for (const example of ["laptop-with-phone-and-stick", "laptop-approved-keyboard"]) {
    it(`examples/${example} is its recording as a tree (eca scan --root examples/${example})`, async () => {
      const { stdout } = await run(node, [printer, join(repository, "examples", example)], {
        cwd: repository,
      });
      expect(stdout).toBe(await readFile(join(repository, "test/golden", `usb-${example}.json`), "utf8"));
    });
  }
});
