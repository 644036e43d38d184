// /proc/<pid>/maps, parsed (proc_pid_maps(5)): which parts of the process's address space are views
// of files, and which of those the kernel can drop from memory and read back when they are touched.
// Pure: the caller reads the file (agent/daemon/startup-pages.ts).

/** One line of /proc/<pid>/maps. */
export interface Mapping {
  start: number;
  end: number;
  /** e.g. "r-xp": readable, not writable, executable, private. */
  perms: string;
  /** The file, a pseudo-path such as "[heap]", or "" for an anonymous mapping. */
  path: string;
}

// "55d1c5a00000-55d1c7e2f000 r-xp 02400000 fe:01 1837210   /usr/local/bin/eca"; a path may
// contain spaces and, for a file unlinked after mapping, ends in " (deleted)".
const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+) ([-r][-w][-x][ps]) [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ \d+ *(.*)$/;

/** The mappings of a maps document; lines that are not the kernel's format are skipped. */
export function parseMaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of text.split("\n")) {
    const match = MAPS_LINE.exec(line);
    if (!match) continue;
    const start = Number.parseInt(match[1] as string, 16);
    const end = Number.parseInt(match[2] as string, 16);
    // User-space addresses are below 2^57 (5-level paging); numbers are exact below 2^53, which
    // covers x86-64's 47-bit and arm64's 48- and 52-bit layouts. Anything else is left alone.
    if (!Number.isSafeInteger(end) || end <= start) continue;
    mappings.push({ start, end, perms: match[3] as string, path: match[4] as string });
  }
  return mappings;
}

/**
 * The mappings whose pages the kernel can drop and read back from their file: readable, not
 * writable views of a file (the executable's code and read-only data, shared libraries, addons
 * extracted and then unlinked). A writable private mapping holds the process's own copies of the
 * pages it wrote, which without swap cannot go anywhere; pseudo-paths ([heap], [stack], [vdso])
 * and anonymous memory are not files.
 */
export function fileBackedReadOnly(mappings: readonly Mapping[]): Mapping[] {
  return mappings.filter(
    (mapping) => mapping.perms[0] === "r" && mapping.perms[1] === "-" && mapping.path.startsWith("/"),
  );
}

/** kB of resident file-backed and anonymous memory, from /proc/<pid>/status (RssFile, RssAnon). */
export function residentKilobytes(status: string): { file: number; anon: number } | undefined {
  const file = /^RssFile:\s+(\d+) kB$/m.exec(status);
  const anon = /^RssAnon:\s+(\d+) kB$/m.exec(status);
  if (!file || !anon) return undefined;
  return { file: Number(file[1]), anon: Number(anon[1]) };
}
