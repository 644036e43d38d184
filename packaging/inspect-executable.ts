// Reads what a built single executable is from its own headers: the file format and machine (ELF,
// PE32+, Mach-O), where Node's SEA blob was injected, whether the SEA fuse is flipped, and whether
// a (possibly stale) code signature is present. Pure: bytes in, facts out; `file` is not needed.
//
// Where `node --build-sea` puts the blob (Node's src/node_sea_bin.cc, and postject before it):
//   ELF     a PT_NOTE note named "NODE_SEA_BLOB" (section .note.node.sea)
//   PE      an RT_RCDATA resource named "NODE_SEA_BLOB"
//   Mach-O  section __NODE_SEA_BLOB in segment NODE_SEA
// The fuse is the string NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 followed by ":0" in a plain
// Node and ":1" once a blob has been injected (Node's src/node_sea.cc, SEA_SENTINEL).

export const SEA_RESOURCE = "NODE_SEA_BLOB";
export const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

export type ExecutableFormat = "elf" | "pe32+" | "mach-o" | "unknown";

export interface ExecutableFacts {
  format: ExecutableFormat;
  /** Node's names: x64, arm64, or the header's number when it is neither. */
  arch: string;
  /** The SEA blob: where it is (file offset) and how many bytes; undefined when there is none. */
  seaBlob?: { offset: number; bytes: number };
  /** "flipped" after injection, "unflipped" in a plain Node, "absent" when the sentinel is not there. */
  fuse: "flipped" | "unflipped" | "absent";
  /** Mach-O: an LC_CODE_SIGNATURE load command is present (after injection it no longer matches). */
  codeSignature?: boolean;
}

const ELF_MACHINES: Record<number, string> = { 62: "x64", 183: "arm64" };
const PE_MACHINES: Record<number, string> = { 34404: "x64", 43620: "arm64" };
const MACHO_CPUS: Record<number, string> = { 16777223: "x64", 16777228: "arm64" };

function cString(buf: Buffer, start: number, length: number): string {
  const raw = buf.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString("latin1");
}

function fuseState(buf: Buffer): ExecutableFacts["fuse"] {
  const at = buf.indexOf(`${SEA_FUSE}:`, 0, "latin1");
  if (at < 0) return "absent";
  const flag = buf[at + SEA_FUSE.length + 1];
  return flag === 0x31 ? "flipped" : "unflipped";
}

function elf(buf: Buffer): ExecutableFacts {
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error("only 64-bit little-endian ELF is read");
  const machine = buf.readUInt16LE(18);
  const phoff = Number(buf.readBigUInt64LE(32));
  const phentsize = buf.readUInt16LE(54);
  const phnum = buf.readUInt16LE(56);
  let seaBlob: ExecutableFacts["seaBlob"];
  for (let i = 0; i < phnum && !seaBlob; i++) {
    const ph = phoff + i * phentsize;
    if (buf.readUInt32LE(ph) !== 4) continue; // PT_NOTE
    const offset = Number(buf.readBigUInt64LE(ph + 8));
    const end = offset + Number(buf.readBigUInt64LE(ph + 32));
    for (let at = offset; at + 12 <= Math.min(end, buf.length); ) {
      const namesz = buf.readUInt32LE(at);
      const descsz = buf.readUInt32LE(at + 4);
      const name = cString(buf, at + 12, namesz);
      const desc = at + 12 + Math.ceil(namesz / 4) * 4;
      if (name === SEA_RESOURCE) {
        seaBlob = { offset: desc, bytes: descsz };
        break;
      }
      at = desc + Math.ceil(descsz / 4) * 4;
    }
  }
  return {
    format: "elf",
    arch: ELF_MACHINES[machine] ?? `e_machine ${machine}`,
    ...(seaBlob ? { seaBlob } : {}),
    fuse: fuseState(buf),
  };
}

function pe(buf: Buffer): ExecutableFacts {
  const header = buf.readUInt32LE(0x3c);
  if (buf.toString("latin1", header, header + 4) !== "PE\0\0") throw new Error("MZ without a PE header");
  const machine = buf.readUInt16LE(header + 4);
  const sections = buf.readUInt16LE(header + 6);
  const optionalSize = buf.readUInt16LE(header + 20);
  const optional = header + 24;
  const magic = buf.readUInt16LE(optional);
  const format: ExecutableFormat = magic === 0x20b ? "pe32+" : "unknown";
  // Data directory 2 (resources): PE32+ data directories start at optional header + 112.
  const resourceRva = buf.readUInt32LE(optional + 112 + 2 * 8);
  const table = optional + optionalSize;
  let rsrc: { rva: number; raw: number } | undefined;
  for (let i = 0; i < sections; i++) {
    const s = table + i * 40;
    const rva = buf.readUInt32LE(s + 12);
    const size = Math.max(buf.readUInt32LE(s + 8), buf.readUInt32LE(s + 16));
    if (resourceRva >= rva && resourceRva < rva + size) {
      rsrc = { rva, raw: buf.readUInt32LE(s + 20) };
      break;
    }
  }
  let seaBlob: ExecutableFacts["seaBlob"];
  if (rsrc && resourceRva !== 0) {
    const base = rsrc.raw + (resourceRva - rsrc.rva);
    const entries = (dir: number) => {
      const named = buf.readUInt16LE(dir + 12);
      const ids = buf.readUInt16LE(dir + 14);
      return Array.from({ length: named + ids }, (_, i) => {
        const entry = dir + 16 + i * 8;
        const nameField = buf.readUInt32LE(entry);
        const target = buf.readUInt32LE(entry + 4);
        let name: string | number = nameField;
        if (nameField & 0x80000000) {
          const at = base + (nameField & 0x7fffffff);
          name = buf.toString("utf16le", at + 2, at + 2 + buf.readUInt16LE(at) * 2);
        }
        return { name, isDir: (target & 0x80000000) !== 0, at: base + (target & 0x7fffffff) };
      });
    };
    const rcdata = entries(base).find((e) => e.name === 10 && e.isDir); // RT_RCDATA
    const named = rcdata && entries(rcdata.at).find((e) => e.name === SEA_RESOURCE && e.isDir);
    const language = named && entries(named.at).find((e) => !e.isDir);
    if (language) {
      const dataRva = buf.readUInt32LE(language.at);
      seaBlob = { offset: rsrc.raw + (dataRva - rsrc.rva), bytes: buf.readUInt32LE(language.at + 4) };
    }
  }
  return {
    format,
    arch: PE_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`,
    ...(seaBlob ? { seaBlob } : {}),
    fuse: fuseState(buf),
  };
}

function macho(buf: Buffer): ExecutableFacts {
  const cpu = buf.readUInt32LE(4);
  const ncmds = buf.readUInt32LE(16);
  let at = 32; // mach_header_64
  let seaBlob: ExecutableFacts["seaBlob"];
  let codeSignature = false;
  for (let i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(at);
    const size = buf.readUInt32LE(at + 4);
    if (size < 8) throw new Error(`garbled Mach-O: load command ${i} at ${at} has size ${size}`);
    if (at + size > buf.length) throw new RangeError(`load command ${i} ends past the file`);
    if (cmd === 0x1d) codeSignature = true; // LC_CODE_SIGNATURE
    if (cmd === 0x19 && cString(buf, at + 8, 16) === "NODE_SEA") {
      const nsects = buf.readUInt32LE(at + 64);
      for (let s = 0; s < nsects; s++) {
        const sect = at + 72 + s * 80;
        if (cString(buf, sect, 16) === `__${SEA_RESOURCE}`) {
          seaBlob = { offset: buf.readUInt32LE(sect + 48), bytes: Number(buf.readBigUInt64LE(sect + 40)) };
        }
      }
    }
    at += size;
  }
  return {
    format: "mach-o",
    arch: MACHO_CPUS[cpu] ?? `cputype 0x${cpu.toString(16)}`,
    ...(seaBlob ? { seaBlob } : {}),
    fuse: fuseState(buf),
    codeSignature,
  };
}

/** What the executable in `buf` is. Throws on a truncated or garbled header, saying which. */
export function inspectExecutable(buf: Buffer): ExecutableFacts {
  try {
    if (buf.readUInt32BE(0) === 0x7f454c46) return elf(buf);
    if (buf.toString("latin1", 0, 2) === "MZ") return pe(buf);
    if (buf.readUInt32LE(0) === 0xfeedfacf) return macho(buf);
  } catch (error) {
    if (error instanceof RangeError) throw new Error(`truncated executable header (${error.message})`);
    throw error;
  }
  return { format: "unknown", arch: "unknown", fuse: fuseState(buf) };
}
