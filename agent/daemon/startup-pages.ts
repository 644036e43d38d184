// The daemon gives back the pages only its start-up needed.
//
// Starting reads far more of the executable than an idle daemon touches again: Node's bootstrap,
// the compiler and the bundle's code cache, the policy's signature check, SQLite's schema work,
// the first TLS handshake. Those file pages stay resident for the life of the process unless
// memory runs short: about 20 of the 44 MB of file pages an idle daemon held (BENCHMARKS.md,
// Footprint). So, once start-up is over, the daemon asks the kernel to page out its read-only
// file mappings (madvise MADV_PAGEOUT, Linux 5.4 and later): the clean pages no other process
// maps are dropped; what the polls, the status socket and delivery still use comes back on its
// next use, once, from the page cache or the disk. Node has no madvise; koffi calls libc's.
// Linux only: elsewhere, and wherever the call is refused, the daemon keeps its pages and says why.

import { readFileSync } from "node:fs";
import { type KoffiModule, loadKoffi } from "../../probes/native/koffi.ts";
import type { Logger } from "../log.ts";
import { fileBackedReadOnly, parseMaps, residentKilobytes } from "./proc-maps.ts";

/** How long after start-up the pages are given back: the first delivery is over by then. */
export const RELEASE_AFTER_MS = 10_000;

// <linux/mman.h> (asm-generic/mman-common.h): the same on x86-64 and arm64.
const MADV_PAGEOUT = 21;
const EINVAL = 22;
const EPERM = 1;

/** madvise(2) over one range. */
export interface PageAdvisor {
  /** madvise(start, length, MADV_PAGEOUT): 0, or the errno it failed with. */
  pageOut(start: number, length: number): number;
}

export interface ReleaseOutcome {
  /** Ranges the kernel took the advice for, and those it refused (errno → count). */
  advised: number;
  refused: Record<number, number>;
  /** Resident kB before and after (/proc/self/status), where it could be read. */
  before?: { file: number; anon: number };
  after?: { file: number; anon: number };
  /** Why no pages were given back, when none were. */
  kept?: string;
}

/** madvise through koffi (the module given, or the one probes/native/koffi.ts loads). */
export async function koffiPageAdvisor(koffi?: KoffiModule): Promise<PageAdvisor> {
  const ffi = koffi ?? (await loadKoffi());
  // The process's own symbols (dlopen(NULL)): libc's madvise whichever libc it is.
  const madvise = ffi.load(null).func("int madvise(uintptr_t addr, size_t length, int advice)") as (
    addr: number,
    length: number,
    advice: number,
  ) => number;
  return { pageOut: (start, length) => (madvise(start, length, MADV_PAGEOUT) === 0 ? 0 : ffi.errno()) };
}

/** Advises every read-only file mapping of this process; `read` reads /proc/self files. */
export function releasePages(advisor: PageAdvisor, read: (path: string) => string): ReleaseOutcome {
  const before = residentKilobytes(read("/proc/self/status"));
  const outcome: ReleaseOutcome = { advised: 0, refused: {}, ...(before ? { before } : {}) };
  for (const mapping of fileBackedReadOnly(parseMaps(read("/proc/self/maps")))) {
    const errno = advisor.pageOut(mapping.start, mapping.end - mapping.start);
    if (errno === 0) outcome.advised++;
    else outcome.refused[errno] = (outcome.refused[errno] ?? 0) + 1;
    // A system call filter refuses every range alike: one is enough to know.
    if (errno === EPERM) break;
  }
  const after = residentKilobytes(read("/proc/self/status"));
  if (after) outcome.after = after;
  if (outcome.advised === 0) outcome.kept = whyKept(outcome.refused);
  return outcome;
}

function whyKept(refused: Record<number, number>): string {
  if (refused[EPERM]) return "madvise is not permitted here (a system call filter?)";
  // A kernel before 5.4 does not know MADV_PAGEOUT and says EINVAL for every range.
  if (refused[EINVAL]) return "this kernel cannot page out (MADV_PAGEOUT needs Linux 5.4 or later)";
  const errnos = Object.keys(refused);
  return errnos.length > 0 ? `madvise failed (errno ${errnos.join(", ")})` : "no read-only file mappings";
}

/** Gives the pages back and says so in the log; never throws: the daemon runs on either way. */
export async function releaseStartupPages(
  logger: Logger,
  advisor: () => Promise<PageAdvisor> = koffiPageAdvisor,
): Promise<ReleaseOutcome | undefined> {
  let outcome: ReleaseOutcome;
  try {
    outcome = releasePages(await advisor(), (path) => readFileSync(path, "latin1"));
  } catch (error) {
    logger.info({ err: error }, "start-up pages kept: madvise or /proc/self could not be used");
    return undefined;
  }
  const { kept, before, after, advised, refused } = outcome;
  if (kept) logger.info({ refused }, `start-up pages kept: ${kept}`);
  else
    logger.info(
      { advised, refused, residentFileKB: before?.file, residentFileKBAfter: after?.file },
      "start-up pages given back to the kernel",
    );
  return outcome;
}

/** Schedules the release once start-up is over (Linux); returns what cancels it. */
export function scheduleStartupPageRelease(logger: Logger, delayMs = RELEASE_AFTER_MS): () => void {
  if (process.platform !== "linux") return () => {};
  const timer = setTimeout(() => void releaseStartupPages(logger), delayMs);
  timer.unref();
  return () => clearTimeout(timer);
}
