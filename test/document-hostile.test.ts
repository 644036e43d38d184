// Big or hostile documents (policies and configurations share policy/document.ts): every refusal is
// a DocumentError naming the file and a line, and none takes long or much memory.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  DocumentError,
  MAX_DOCUMENT_BYTES,
  MAX_YAML_BYTES,
  parseDocument,
  readDocumentFile,
} from "../policy/document.ts";
import { loadPolicy } from "../policy/load.ts";

const work = mkdtempSync(join(tmpdir(), "eca-hostile-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function problemsOf(text: string): Promise<{ path: string; message: string; hint?: string }[]> {
  try {
    await parseDocument(text, "doc.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError);
    expect((error as DocumentError).message).toContain("doc.yaml");
    return (error as DocumentError).problems;
  }
  throw new Error("expected a DocumentError");
}

describe("YAML errors always name a line", () => {
  it("alias bomb is refused with its line, not expanded", async () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`);
    }
    const [problem] = await problemsOf(`${levels.join("\n")}\n`);
    expect(problem?.path).toMatch(/^line \d+, column \d+$/);
    expect(problem?.message).toContain("alias bomb");
  });

  it("300 aliases of one small value are fine: only what they expand to is bounded", async () => {
    const text = `a: &a [1, 2, 3]\nb: [${Array(300).fill("*a").join(", ")}]\n`;
    const document = (await parseDocument(text, "doc.yaml")) as { b: unknown[] };
    expect(document.b).toHaveLength(300);
  });

  it("unresolved alias names its line and the missing anchor", async () => {
    const [problem] = await problemsOf("id: x\nversion: *nowhere\n");
    expect(problem?.path).toBe("line 2, column 10");
    expect(problem?.message).toContain("*nowhere");
    expect(problem?.hint).toContain("&nowhere");
  });

  it("an alias used before its anchor is unresolved", async () => {
    const [problem] = await problemsOf("a: *later\nb: &later 1\n");
    expect(problem?.path).toBe("line 1, column 4");
  });

  it("a duplicate key names the line of the second one", async () => {
    const [problem] = await problemsOf("id: a\nversion: '1'\nid: b\n");
    expect(problem).toMatchObject({ path: "line 3, column 1", message: expect.stringContaining('"id"') });
  });

  it("yaml syntax errors keep their line", async () => {
    const [problem] = await problemsOf("id: [unclosed\n");
    expect(problem?.path).toMatch(/^line \d+, column \d+$/);
  });

  it("deep nesting is refused with a line, without exhausting the stack", async () => {
    const problems = await problemsOf(`${"[".repeat(5000)}${"]".repeat(5000)}`);
    expect(problems[0]?.path).toMatch(/^line 1, column \d+$/);
  });
});

describe("prototype keys are refused", () => {
  for (const key of ["__proto__", "constructor", "prototype"]) {
    it(`YAML key ${key}`, async () => {
      const [problem] = await problemsOf(`approvedDevices:\n  - match:\n      ${key}: { bus: usb }\n`);
      expect(problem).toMatchObject({ path: "line 3, column 7", message: `the key "${key}" is not allowed` });
    });
    it(`JSON key ${key}`, async () => {
      const [problem] = await problemsOf(`{\n  "id": "x",\n  "${key}": {"bus": "usb"}\n}\n`);
      expect(problem).toMatchObject({ path: "line 3, column 3", message: `the key "${key}" is not allowed` });
    });
  }

  it("an escaped __proto__ key in JSON is refused too", async () => {
    const [problem] = await problemsOf('{"\\u005f_proto__": {}}');
    expect(problem?.message).toContain("__proto__");
  });
});

describe("%YAML 1.1 documents", () => {
  it("yaml 1.1 dates stay text, so approvedOn is a date as written", async () => {
    const document = (await parseDocument(
      "%YAML 1.1\n---\napprovals:\n  - approvedOn: 2026-03-14\n",
      "doc.yaml",
    )) as { approvals: { approvedOn: unknown }[] };
    expect(document.approvals[0]?.approvedOn).toBe("2026-03-14");
  });

  it("a %YAML 1.1 policy with approvals loads", async () => {
    const file = join(work, "yaml11.yaml");
    writeFileSync(
      file,
      "%YAML 1.1\n---\nid: p\nversion: '1'\napprovals:\n  - reference: R1\n    kind: business\n    approvedBy: Jane\n    approvedOn: 2026-03-14\n    match: { bus: usb, vendorId: '046d' }\n",
    );
    const loaded = await loadPolicy(file, new Date("2026-06-01T00:00:00Z"));
    expect(loaded.policy.approvals[0]?.approvedOn).toBe("2026-03-14");
  });
});

describe("big policies", () => {
  it("policy over 1 MiB is refused before it is parsed", async () => {
    const file = join(work, "huge.json");
    writeFileSync(file, `{"id": "${"x".repeat(MAX_DOCUMENT_BYTES)}"}`);
    const error = await loadPolicy(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentError);
    expect((error as DocumentError).message).toContain("larger than 1048576 bytes");
  });

  it("policy file pointing at /dev/zero is refused as not a regular file, not a byte read", async () => {
    const link = join(work, "zero.yaml");
    symlinkSync("/dev/zero", link);
    const error = await readDocumentFile(link, "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentError);
    expect((error as DocumentError).message).toContain(
      "zero.yaml is not valid:\n  - is not a regular file (a character device)",
    );
  });

  it("a FIFO given as the policy does not hang the load: it is refused as not a regular file", async () => {
    const fifo = join(work, "fifo.yaml");
    execFileSync("mkfifo", [fifo]);
    const error = await loadPolicy(fifo).catch((e: unknown) => e);
    expect((error as DocumentError).message).toContain("is not a regular file (a FIFO)");
  });

  it("a directory given as the policy says so", async () => {
    const error = await loadPolicy(work).catch((e: unknown) => e);
    expect((error as DocumentError).message).toContain("is a directory");
  });

  it("YAML over 64 KiB is refused with the fix: write it as JSON", async () => {
    const text = `id: x\ndescription: "${"y".repeat(MAX_YAML_BYTES)}"\n`;
    const [problem] = await problemsOf(text);
    expect(problem?.hint).toContain("JSON");
  });

  it("a big JSON policy with a syntax error gets the JSON error and its line, not the YAML size limit", async () => {
    const lines = Array.from({ length: 8_000 }, (_, i) => `  "k${i}": ${i},`);
    const [problem] = await problemsOf(`{\n${lines.join("\n")}\n}\n`);
    expect(problem?.message).toMatch(/^is not valid JSON: /);
    expect(problem?.path).toMatch(/^line 800[12], column \d+$/);
  });

  it("40,000 keys in one mapping are checked for duplicates in linear time (was 14 s)", async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `"k${i}": ${i}`);
    keys.push('"k17": 0');
    const [problem] = await problemsOf(`{${keys.join(",\n")}}`);
    expect(problem).toMatchObject({
      path: "line 40001, column 1",
      message: expect.stringContaining('"k17"'),
    });
  });

  it("thousands of keys in one YAML mapping: the last duplicate is found", async () => {
    const lines = Array.from({ length: 4_000 }, (_, i) => `k${i}: ${i}`);
    lines.push("k3: 0");
    const [problem] = await problemsOf(`${lines.join("\n")}\n`);
    expect(problem?.path).toBe("line 4001, column 1");
  });

  it("a policy with more than 10,000 approved devices is refused with the count", async () => {
    const device = { match: { bus: "usb", vendorId: "046d" }, description: "d" };
    const file = join(work, "many.json");
    writeFileSync(file, JSON.stringify({ approvedDevices: Array(10_001).fill(device) }));
    const error = await loadPolicy(file).catch((e: unknown) => e);
    expect((error as DocumentError).problems[0]).toMatchObject({
      path: "approvedDevices",
      message: "has 10001 entries; the most allowed is 10000",
    });
  });

  it("a JSON policy of 10,000 approved devices loads", async () => {
    const devices = Array.from({ length: 10_000 }, (_, i) => ({
      match: { bus: "usb", vendorId: "046d", serial: `S${i}` },
      description: `device ${i}`,
    }));
    const file = join(work, "ten-thousand.json");
    writeFileSync(file, JSON.stringify({ id: "big", version: "1", approvedDevices: devices }));
    const loaded = await loadPolicy(file);
    expect(loaded.policy.approvedDevices).toHaveLength(10_000);
  });
});
