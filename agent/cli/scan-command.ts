import type { Command } from "commander";
import { loadPolicy } from "../../policy/load.ts";
import { jsonForTerminal } from "../text/sanitize.ts";
import { renderUnobserved, scanExitCode } from "./exit-codes.ts";
import { addDeviceSourceOptions, type DeviceSourceFlags, probeSetup } from "./options.ts";
import { renderReport } from "./render.ts";
import { writeStdout } from "./stdout.ts";

export interface ScanFlags extends DeviceSourceFlags {
  json?: boolean;
  policy?: string;
}

export function registerScanCommand(program: Command): void {
  addDeviceSourceOptions(
    program
      .command("scan")
      .description("scan USB and Bluetooth devices once and judge them against the policy")
      .option("--json", "print one JSON document instead of tables")
      .option("--policy <file>", "policy file (YAML or JSON); the built-in policy when left out"),
  ).action(async (flags: ScanFlags) => {
    const { text, exitCode } = await scanCommandOutput(flags);
    writeStdout(text);
    process.exitCode = exitCode;
  });
}

/** What `eca scan` prints and exits with; also run, output unused, to warm up the code cache at build time. */
export async function scanCommandOutput(flags: ScanFlags): Promise<{ text: string; exitCode: number }> {
  const policy = await loadPolicy(flags.policy);
  const { backends, options, hostname } = probeSetup(flags);
  const { scanOnce } = await import("../scan.ts");
  const report = await scanOnce(backends, options, policy, hostname);
  return {
    text: flags.json ? `${jsonForTerminal(report, 2)}\n` : renderReport(report) + renderUnobserved(report),
    exitCode: scanExitCode(report),
  };
}
