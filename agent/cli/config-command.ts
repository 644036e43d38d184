import type { Command } from "commander";
import { DocumentError } from "../../policy/document.ts";
import { loadConfig } from "../config/config.ts";
import { redactUrl } from "../text/redact.ts";
import { EXIT_COMPLIANT } from "./exit-codes.ts";

export function registerConfigCommand(program: Command): void {
  const config = program.command("config").description("work with agent configuration files");
  config
    .command("check <file>")
    .description(
      "validate an agent configuration file and what it names (policy, token, CA, certificate and key files, endpoint URL, backends), then print what the agent would use",
    )
    .action(async (file: string) => {
      const loaded = await loadConfig(file);
      // Imported here: see unblock-command.ts.
      const { checkConfigReferences } = await import("../config/references.ts");
      const problems = await checkConfigReferences(loaded);
      if (problems.length > 0) throw new DocumentError(file, problems);
      const { source: _source, ...settings } = loaded;
      // The endpoint's credentials, if any are written into its URL, stay out of the output.
      if (settings.endpoint)
        settings.endpoint = { ...settings.endpoint, url: redactUrl(settings.endpoint.url) };
      process.stdout.write(`${file}: valid configuration\n${JSON.stringify(settings, null, 2)}\n`);
      process.exitCode = EXIT_COMPLIANT;
    });
}
