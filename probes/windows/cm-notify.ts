// Device arrival and removal notifications from CfgMgr32 through koffi: two CM_Register_Notification
// registrations (every interface of every class, for drivers' interfaces coming and going, including
// a node being disabled; every device node, for nodes without a driver and Bluetooth pairings), one
// callback. The pure half (filters, event data) is cm-notify-parse.ts.
//
// Threads. CfgMgr32 calls the callback on a thread of its own. koffi (koffi.dev, "Callbacks",
// "Asynchronous callbacks") runs a JS callback called from another thread on the main thread, when
// the event loop gets to it, while the calling thread waits; and it warns that a main thread waiting
// for that other thread deadlocks. CM_Unregister_Notification waits for pending callbacks to finish
// (Microsoft Learn, CM_Unregister_Notification, Remarks), so called on the main thread while a
// callback is queued for the main thread it would never return. Hence:
// - registration and unregistration run through koffi's `.async` (a worker thread), so the main
//   thread never waits on CfgMgr32 while a callback may be queued for it;
// - the callback only copies the event data (valid only during the call) and queues the rest with
//   setImmediate, returning ERROR_SUCCESS at once, as "handle PnP events as quickly as possible"
//   asks (CM_Register_Notification, Remarks);
// - the koffi callback slot (koffi.register) is released only after both unregistrations returned,
//   when CfgMgr32 can no longer call it.

import type { LibraryHandle } from "koffi";
import { type KoffiModule, loadKoffi } from "../native/koffi.ts";
import { type DeviceNotification, decodeNotification, notifyFilterBytes } from "./cm-notify-parse.ts";

const CR_SUCCESS = 0;
const ERROR_SUCCESS = 0;

/** Something that tells when devices come and go; cm-notify.ts on Windows, a fake in tests. */
export interface DeviceNotifier {
  /** Starts calling `listener` for each notification; rejects when it cannot (the reason says why). */
  start(listener: (notification: DeviceNotification) => void): Promise<void>;
  /** Stops, and resolves once no more calls can come. */
  stop(): Promise<void>;
}

type KoffiFunction = ReturnType<LibraryHandle["func"]>;

function call(fn: KoffiFunction, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (error: unknown, result: number) => (error ? reject(error) : resolve(result)));
  });
}

interface Bound {
  koffi: KoffiModule;
  Callback: ReturnType<KoffiModule["proto"]>;
  register: KoffiFunction;
  unregister: KoffiFunction;
}

// koffi's type names are global to the process: declared once, whatever number of start()s.
const bound = new WeakMap<KoffiModule, Bound>();

function bind(koffi: KoffiModule): Bound {
  let found = bound.get(koffi);
  if (!found) {
    const lib = koffi.load("cfgmgr32.dll");
    found = {
      koffi,
      Callback: koffi.proto(
        "uint32 __stdcall CmNotifyCallback(void *notify, void *context, int action, void *data, uint32 size)",
      ),
      register: lib.func(
        "uint32 __stdcall CM_Register_Notification(const uint8_t *filter, void *context, CmNotifyCallback *callback, _Out_ void **handle)",
      ),
      unregister: lib.func("uint32 __stdcall CM_Unregister_Notification(void *handle)"),
    };
    bound.set(koffi, found);
  }
  return found;
}

/** CM_Register_Notification for every interface and every device node, through koffi. */
export function cmNotifier(load: () => Promise<KoffiModule> = loadKoffi): DeviceNotifier {
  let running: { api: Bound; callback: bigint; handles: unknown[] } | undefined;
  return {
    async start(listener) {
      if (running) return;
      const api = bind(await load());
      const { koffi } = api;
      const callback = koffi.register(
        (_notify: unknown, _context: unknown, action: number, data: bigint | null, size: number) => {
          // EventData is valid only during the call: copy it, decode and fan out later.
          const bytes =
            data === null || size === 0
              ? new Uint8Array(0)
              : Uint8Array.from(koffi.decode(data, "uint8_t", size) as ArrayLike<number>);
          setImmediate(() => listener(decodeNotification(action, bytes)));
          return ERROR_SUCCESS;
        },
        koffi.pointer(api.Callback),
      );
      const handles: unknown[] = [];
      try {
        for (const kind of ["all-interfaces", "all-instances"] as const) {
          const handle: unknown[] = [null];
          const result = await call(api.register, notifyFilterBytes(kind), null, callback, handle);
          if (result !== CR_SUCCESS) {
            throw new Error(`CM_Register_Notification (${kind}) returned CONFIGRET 0x${result.toString(16)}`);
          }
          handles.push(handle[0]);
        }
      } catch (error) {
        for (const handle of handles) await call(api.unregister, handle).catch(() => undefined);
        koffi.unregister(callback);
        throw error;
      }
      running = { api, callback, handles };
    },
    async stop() {
      const current = running;
      running = undefined;
      if (!current) return;
      for (const handle of current.handles) {
        await call(current.api.unregister, handle).catch(() => undefined);
      }
      // Only now can CfgMgr32 no longer call it.
      current.api.koffi.unregister(current.callback);
    },
  };
}
