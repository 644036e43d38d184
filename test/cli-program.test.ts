// buildProgram(invoked) adds only the command a run names (start-up: bench/results/startup.md).
// What a user sees of that command must not change: its help, its sub-commands' help, its options.

import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../agent/cli/program.ts";
import { buildScanProgram } from "../agent/cli/scan-program.ts";

function helpOf(command: Command, prefix = ""): Record<string, string> {
  const path = prefix ? `${prefix} ${command.name()}` : command.name();
  return Object.assign(
    { [path]: command.helpInformation() },
    ...command.commands.map((sub) => helpOf(sub, path)),
  );
}

describe("buildProgram with the invoked command only", () => {
  const full = buildProgram();
  const names = full.commands.map((command) => command.name());

  it("gives each command, and each of its sub-commands, the same help as the full program", () => {
    expect(names).toContain("scan");
    for (const name of names) {
      const only = buildProgram(name);
      expect(only.commands.map((command) => command.name())).toEqual([name]);
      const alone = only.commands[0] as Command;
      const beside = full.commands.find((command) => command.name() === name) as Command;
      expect(helpOf(alone)).toEqual(helpOf(beside));
    }
  });

  it("adds every command for anything that is not a command's name (help, --help, a typo, nothing)", () => {
    for (const first of [undefined, "help", "--help", "scna", "constructor", "__proto__"]) {
      expect(buildProgram(first).commands.map((command) => command.name())).toEqual(names);
    }
  });
});

// The executable runs `eca scan` from a program with the scan command alone (agent/bin/eca-scan-bundle.ts).
describe("the scan program", () => {
  it("is the full program as built for `eca scan`: the same commands, the same help", () => {
    const scan = buildScanProgram();
    const full = buildProgram("scan");
    expect(scan.commands.map((command) => command.name())).toEqual(["scan"]);
    expect(helpOf(scan)).toEqual(helpOf(full));
  });
});
