// koffi (koffi.dev), the FFI the Windows probes call CfgMgr32 through, loaded once and only when a
// live Windows probe first needs it. It is an optional dependency: in development its addon comes
// from @koromix/koffi-<platform>-<arch> (koffi 3 ships one package per platform); in the Windows
// executable build-sea.ts embeds that addon and resolves "koffi" to packaging/native-addon.ts. When
// it cannot load (no prebuild for this platform, an addon a policy blocks), the caller falls back to
// PowerShell and says why (read.ts).

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
