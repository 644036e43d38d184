import type { Command } from "commander";
import { loadPolicy } from "../../policy/load.ts";
import { EXIT_COMPLIANT } from "./exit-codes.ts";

export function registerPolicyCommand(program: Command): void {
  const policy = program.command("policy").description("work with policy files");
  policy
    .command("check <file>")
    .description("validate a policy file and say what is wrong and how to fix it")
    .action(async (file: string) => {
      const loaded = await loadPolicy(file);
      const { id, version, approvedDevices, approvals } = loaded.policy;
      process.stdout.write(
        `${file}: valid policy ${id} ${version}: ${approvedDevices.length} approved devices, ${approvals.length} approvals\n`,
      );
      process.exitCode = EXIT_COMPLIANT;
    });
}
