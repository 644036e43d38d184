import { type Command, Option } from "commander";
import { captureProbeSetup } from "../../probes/capture/replay-setup.ts";
import { defaultBackends, rootBackends } from "../../probes/create.ts";
import type { ProbeOptions } from "../../probes/probe.ts";

export interface DeviceSourceFlags {
  /** Left undefined when not given, so a recorded tree can be told from the live machine ("/"). */
  root?: string;
  backend?: string[];
  replay?: string;
  capture?: string;
}

/** Flags shared by every command that reads devices. */
export function addDeviceSourceOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--root <dir>",
        "read a recorded tree: /sys and /var/lib/bluetooth under DIR, and nothing from the live machine (default: /, the live machine)",
      ),
    )
    .addOption(
      new Option(
        "--backend <name...>",
        "probe backends to use instead of the defaults (with --root: only those reading files under it)",
      ),
    )
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

/**
 * Where a scan reads from, and with which backends. Each recorded input (a replay file, a tree
 * under --root) has its own default backends, so a recording is never mixed with the live
 * machine; live sources join only when named with --backend. A new input (a capture folder) adds
 * one more entry here, ahead of the live machine.
 */
export function probeSetup(flags: DeviceSourceFlags): {
  backends: string[];
  options: ProbeOptions;
  /** The laptop the devices are on, when it is not this one (a capture names its own). */
  hostname?: string;
} {
  if (flags.capture) {
    const { backends, options, manifest } = captureProbeSetup(flags.capture, flags.backend);
    return { backends, options, ...(manifest.hostname ? { hostname: manifest.hostname } : {}) };
  }
  const options: ProbeOptions = { root: flags.root ?? "/" };
  if (flags.replay) {
    options.replayFile = flags.replay;
    return { backends: ["replay"], options };
  }
  if (flags.backend) return { backends: flags.backend, options };
  if (flags.root !== undefined) return { backends: rootBackends(), options };
  return { backends: defaultBackends(), options };
}
