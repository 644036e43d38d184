// koffi (koffi.dev), the FFI eca calls the operating system through where Node has no API: the
// Windows probes' CfgMgr32 and device notifications, and on Linux the daemon's madvise, which gives
// back its start-up pages (agent/daemon/startup-pages.ts). Loaded once and only when first needed.
// It is an optional dependency: in development its addon comes from @koromix/koffi-<platform>-<arch>
// (koffi 3 ships one package per platform); in the Windows and Linux executables build-sea.ts embeds
// that addon and resolves "koffi" to packaging/native-addon.ts. When it cannot load (no prebuild for
// this platform, an addon a policy blocks), each caller says why and carries on without it: the
// Windows probes fall back to PowerShell (read.ts), the daemon keeps its pages.

import type Koffi from "koffi";

export type KoffiModule = typeof Koffi;

let loading: Promise<KoffiModule> | undefined;

/** koffi, or a rejection saying why it cannot be loaded here. */
export function loadKoffi(): Promise<KoffiModule> {
  loading ??= import("koffi").then(
    (module) => ((module as { default?: KoffiModule }).default ?? module) as KoffiModule,
    (error: unknown) => {
      loading = undefined;
      throw new Error(`koffi cannot be loaded: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
  return loading;
}
