// packaging/inspect-executable.ts on hand-made headers (the real executables are read in
// test/packaging-package.test.ts): where each format keeps the SEA blob, the fuse, and garbled input.

import { describe, expect, it } from "vitest";
import { inspectExecutable, SEA_FUSE, SEA_RESOURCE } from "../packaging/inspect-executable.ts";

/** An ELF64 executable with one PT_NOTE holding a NODE_SEA_BLOB note, then the fuse. */
function elf(machine: number, fuse: "0" | "1", blob = Buffer.from("blob")): Buffer {
  const name = Buffer.alloc(16);
  name.write(`${SEA_RESOURCE}\0`, "latin1");
  const note = Buffer.alloc(12);
  note.writeUInt32LE(SEA_RESOURCE.length + 1, 0);
  note.writeUInt32LE(blob.length, 4);
  const header = Buffer.alloc(64 + 56);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header.writeUInt16LE(machine, 18);
  header.writeBigUInt64LE(64n, 32); // e_phoff
  header.writeUInt16LE(56, 54);
  header.writeUInt16LE(1, 56);
  header.writeUInt32LE(4, 64); // PT_NOTE
  header.writeBigUInt64LE(120n, 64 + 8);
  header.writeBigUInt64LE(BigInt(12 + 16 + blob.length), 64 + 32);
  return Buffer.concat([header, note, name, blob, Buffer.from(`${SEA_FUSE}:${fuse}`, "latin1")]);
}

/** A Mach-O 64 executable with segment NODE_SEA, section __NODE_SEA_BLOB, and an optional signature. */
function macho(cpu: number, signed: boolean): Buffer {
  const segment = Buffer.alloc(72 + 80);
  segment.writeUInt32LE(0x19, 0);
  segment.writeUInt32LE(segment.length, 4);
  segment.write("NODE_SEA", 8, "latin1");
  segment.writeUInt32LE(1, 64);
  segment.write(`__${SEA_RESOURCE}`, 72, "latin1");
  segment.writeBigUInt64LE(4n, 72 + 40); // size
  segment.writeUInt32LE(500, 72 + 48); // offset
  const signature = Buffer.alloc(signed ? 16 : 0);
  if (signed) {
    signature.writeUInt32LE(0x1d, 0);
    signature.writeUInt32LE(16, 4);
  }
  const header = Buffer.alloc(32);
  header.writeUInt32LE(0xfeedfacf, 0);
  header.writeUInt32LE(cpu, 4);
  header.writeUInt32LE(signed ? 2 : 1, 16);
  return Buffer.concat([header, segment, signature, Buffer.from(`${SEA_FUSE}:1`, "latin1")]);
}

describe("inspectExecutable", () => {
  it("finds the blob in an ELF's NODE_SEA_BLOB note and reads the machine", () => {
    const facts = inspectExecutable(elf(183, "1"));
    expect(facts).toEqual({
      format: "elf",
      arch: "arm64",
      seaBlob: { offset: 148, bytes: 4 },
      fuse: "flipped",
    });
    expect(inspectExecutable(elf(62, "0")).arch).toBe("x64");
    expect(inspectExecutable(elf(62, "0")).fuse).toBe("unflipped");
  });

  it("finds the blob in a Mach-O's NODE_SEA segment and says whether a signature is left", () => {
    expect(inspectExecutable(macho(0x0100000c, false))).toEqual({
      format: "mach-o",
      arch: "arm64",
      seaBlob: { offset: 500, bytes: 4 },
      fuse: "flipped",
      codeSignature: false,
    });
    expect(inspectExecutable(macho(0x01000007, true)).codeSignature).toBe(true);
  });

  it("a plain Node has no blob and an unflipped fuse; a file without the sentinel has none", () => {
    const plain = elf(62, "0");
    plain.write("XXXX_SEA_BLOB", 132, "latin1"); // the note is someone else's
    expect(inspectExecutable(plain).seaBlob).toBeUndefined();
    expect(inspectExecutable(Buffer.from("#!/bin/sh\necho not an executable\n")).format).toBe("unknown");
    expect(inspectExecutable(Buffer.from("#!/bin/sh\n")).fuse).toBe("absent");
  });

  it("a truncated header is an error saying so, not a crash", () => {
    expect(() => inspectExecutable(elf(62, "1").subarray(0, 70))).toThrow(/truncated executable header/);
    expect(() => inspectExecutable(macho(0x0100000c, false).subarray(0, 40))).toThrow(
      /truncated executable header/,
    );
    expect(() => inspectExecutable(Buffer.from("MZ"))).toThrow(/truncated executable header/);
  });

  it("random bytes after each magic number never throw anything but an Error", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    const magics = [
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]),
      Buffer.from("MZ"),
      Buffer.from([0xcf, 0xfa, 0xed, 0xfe]),
    ];
    for (let i = 0; i < 600; i++) {
      const magic = magics[i % magics.length] as Buffer;
      const body = Buffer.from(Array.from({ length: 64 + (random() << 2) }, random));
      try {
        inspectExecutable(Buffer.concat([magic, body]));
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
      }
    }
  });
});
