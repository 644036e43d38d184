#!/usr/bin/env node
// `npx eca` and `npm run eca`: on the pinned Node, runs the command line (eca.ts); on an older Node
// (the pinned one was not installed), says why instead of failing on TypeScript sources.

import { nodeTooOld } from "./node-check.mjs";

const problem = nodeTooOld();
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 2;
} else {
  await import("./eca.ts");
}
