// This machine's name, as os.hostname() gives it, without loading node:os where the kernel says it
// in a file: a one-shot `eca scan` names the laptop in its report and needed nothing else of
// node:os, whose loading (Node compiling lib/os.js) was ~0.3 ms of the scan.

import { readFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";

/**
 * On Linux /proc/sys/kernel/hostname is the UTS name of this process's namespace, what
 * gethostname(2), and so os.hostname(), returns (glibc takes it from uname(2)); the kernel adds a
 * newline. Anywhere else, or when /proc is not mounted, os.hostname().
 */
export function localHostname(
  platform: NodeJS.Platform = process.platform,
  read: (path: string) => string = (path) => readFileSync(path, "utf8"),
): string {
  if (platform === "linux") {
    try {
      const name = read("/proc/sys/kernel/hostname").replace(/\n$/, "");
      if (name !== "") return name;
    } catch {
      // not mounted (a chroot, some containers): ask the C library
    }
  }
  return osHostname();
}
