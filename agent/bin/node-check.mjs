// Plain JavaScript, so that any Node can run it: says plainly why eca cannot start on a Node older
// than the pinned one, instead of the older Node failing on eca's TypeScript sources
// (ERR_UNKNOWN_FILE_EXTENSION). Used by agent/bin/eca.mjs (`npx eca`) and test/run.sh (`npm test`).
//
// `npm ci` installs Node 26 as the `node` devDependency; its binary is downloaded by that package's
// preinstall script, so `npm ci --ignore-scripts` leaves no node_modules/.bin/node and npm scripts
// fall back to the machine's own Node.

export const PINNED = "26.10.0";

/** The explanation when `version` ("20.20.2") is older than the pinned Node, else undefined. */
export function nodeTooOld(version = process.versions.node) {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const [pinnedMajor = 0, pinnedMinor = 0] = PINNED.split(".").map(Number);
  if (major > pinnedMajor || (major === pinnedMajor && minor >= pinnedMinor)) return undefined;
  return [
    `eca: this is Node ${version}, but eca needs Node ${PINNED} or newer.`,
    `  npm ci installs it as the pinned \`node\` devDependency (node_modules/.bin/node), whose`,
    `  binary is downloaded by that package's install script. It is missing here: most likely`,
    `  \`npm ci --ignore-scripts\` skipped that script.`,
    `  Fix: run \`npm rebuild node\` (or \`npm ci\` without --ignore-scripts), then run this again.`,
  ].join("\n");
}

// Run directly (test/run.sh): exit 2 with the explanation on an old Node.
if (import.meta.url === `file://${process.argv[1]}`) {
  const problem = nodeTooOld();
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(2);
  }
}
