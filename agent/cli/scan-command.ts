import type { Command } from "commander";
import { loadPolicy } from "../../policy/load.ts";
import { jsonForTerminal } from "../text/sanitize.ts";
import { renderUnobserved, scanExitCode } from "./exit-codes.ts";
import { addDeviceSourceOptions, type DeviceSourceFlags, probeSetup } from "./options.ts";
import { renderReport } from "./render.ts";

interface ScanFlags extends DeviceSourceFlags {
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
    const policy = await loadPolicy(flags.policy);
    const { backends, options, hostname } = probeSetup(flags);
    const { scanOnce } = await import("../scan.ts");
    const report = await scanOnce(backends, options, policy, hostname);
    process.stdout.write(
      flags.json ? `${jsonForTerminal(report, 2)}\n` : renderReport(report) + renderUnobserved(report),
    );
    process.exitCode = scanExitCode(report);
  });
}
