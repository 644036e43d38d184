// Makes the V8 code cache the single executable compiles its program with (build-sea.ts), run as
//
//   node <the executable's V8 flags> <CODE_CACHE_BUILD_FLAGS> packaging/code-cache.ts \
//     <wrapped bundle> <its script name> <cache out> [<recorded tree to warm up with>]
//
// by the Node binary that goes into the executable: V8 accepts a cache only from its own version
// under the same flags (it hashes the flags into the cache; --random-seed and --predictable are left
// out of that hash). The bundle is compiled exactly as agent/bin/eca-sea.cjs compiles it (the same
// source text, the same script name). Given a tree, the program is also evaluated and its warmUp()
// runs a scan of the tree, so the cache holds the functions a scan calls, compiled, not only the
// top-level code; a code cache holds code, never values, so nothing the scan read is in it.
//
// Reproducible: V8 seeds its hash tables from --random-seed, and the cache's contents (its size,
// even) followed the seed: three runs without it gave three different caches, with it the same
// bytes. --predictable runs V8's timer-driven work (GC scheduling) by allocation, not by the clock.

import { readFileSync, writeFileSync } from "node:fs";
import { Script } from "node:vm";

const [bundle, filename, out, tree] = process.argv.slice(2);
if (!bundle || !filename || !out) {
  throw new Error("usage: code-cache.ts <wrapped bundle> <script name> <cache out> [<tree>]");
}
const script = new Script(readFileSync(bundle, "utf8"), { filename });
if (tree) {
  const module: { exports: { warmUp?: (tree: string) => Promise<void> } } = { exports: {} };
  const builtinOnly = (id: string) => {
    const builtin = process.getBuiltinModule(id);
    if (builtin === undefined) throw new Error(`${id}: not a built-in module, and not bundled`);
    return builtin;
  };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    builtinOnly,
    module,
    process.execPath,
    "/",
  );
  if (typeof module.exports.warmUp !== "function") throw new Error(`${bundle} exports no warmUp()`);
  await module.exports.warmUp(tree);
}
writeFileSync(out, script.createCachedData());
// The warm-up's scan may leave handles open (a probe's watcher); the cache is written.
process.exit(0);
