import type { Command } from "commander";
import type { CapturePlatform } from "../../probes/capture/manifest.ts";

interface CaptureFlags {
  root: string;
}

const PLATFORMS: readonly string[] = ["linux", "darwin", "win32"];

export function registerCaptureCommand(program: Command): void {
  program
    .command("capture")
    .argument("<dir>", "a new or empty folder to write the capture into")
    .description(
      "record what this laptop's probes read, raw and unparsed, into DIR with a manifest.json, so anyone can replay it with `eca scan --capture DIR`",
    )
    .option("--root <dir>", "Linux: filesystem root to copy /sys and /var/lib/bluetooth from", "/")
    .addHelpText(
      "after",
      [
        "",
        "The folder holds device names, serial numbers and Bluetooth addresses as the laptop reports",
        "them (pairing keys are left out): treat it as personal data and send it only to people who",
        "need it, such as the security team. Its layout is documented in docs/CAPTURE.md.",
        "",
        "Exit codes:",
        "  0  written; sources that could not be recorded are listed on stderr and in the manifest",
        "  2  error: the folder is not empty or cannot be written (the message says which)",
        "",
      ].join("\n"),
    )
    .action(async (directory: string, flags: CaptureFlags) => {
      if (!PLATFORMS.includes(process.platform)) {
        throw new Error(`eca capture knows linux, darwin and win32, not ${process.platform}`);
      }
      const { writeCapture } = await import("../../probes/capture/capture.ts");
      const manifest = await writeCapture({
        directory,
        platform: process.platform as CapturePlatform,
        root: flags.root,
      });
      const failed = manifest.sources.filter((source) => source.error !== undefined);
      for (const source of failed) process.stderr.write(`eca capture: ${source.file}: ${source.error}\n`);
      process.stdout.write(
        `wrote ${manifest.sources.length - failed.length} of ${manifest.sources.length} sources to ${directory} (replay: eca scan --capture ${directory})\n`,
      );
    });
}
