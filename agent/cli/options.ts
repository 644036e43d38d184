import { type Command, Option } from "commander";
import { captureProbeSetup } from "../../probes/capture/replay-setup.ts";
import { defaultBackends } from "../../probes/create.ts";
import type { ProbeOptions } from "../../probes/probe.ts";

export interface DeviceSourceFlags {
  root: string;
  backend?: string[];
  replay?: string;
  capture?: string;
}

/** Flags shared by every command that reads devices. */
export function addDeviceSourceOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--root <dir>", "filesystem root to read /sys and /var/lib/bluetooth from").default("/"),
    )
    .addOption(new Option("--backend <name...>", "probe backends to use instead of the platform's defaults"))
    .addOption(
      new Option("--replay <file>", "replay recorded observations (JSON) instead of reading devices"),
    )
    .addOption(
      new Option(
        "--capture <dir>",
        "judge a folder written by `eca capture` (any OS), as the platform named in its manifest",
      ).conflicts(["replay", "root"]),
    );
}

export function probeSetup(flags: DeviceSourceFlags): { backends: string[]; options: ProbeOptions } {
  if (flags.capture) {
    const { backends, options } = captureProbeSetup(flags.capture, flags.backend);
    return { backends, options };
  }
  const options: ProbeOptions = { root: flags.root };
  if (flags.replay) options.replayFile = flags.replay;
  const backends = flags.replay ? ["replay"] : (flags.backend ?? defaultBackends());
  return { backends, options };
}
