// The in-process replacement for collect-bluetooth.ps1: BTHPORT's registry keys read through
// advapi32 (RegOpenKeyExW, RegQueryInfoKeyW, RegEnumKeyExW, RegEnumValueW, RegCloseKey) with koffi,
// into the same bluetooth-registry.json document (bthport-parse.ts, pure). The link keys under
// Parameters\Keys are enumerated by name only: RegEnumValueW is given no data buffer there.
// Win32 signatures: winreg.h (Microsoft Learn); HKEY_LOCAL_MACHINE is (HKEY)(ULONG_PTR)(LONG)0x80000002,
// sign-extended on 64-bit Windows. Not yet run on Windows, like cfgmgr32.ts.

import { loadKoffi } from "../native/koffi.ts";
import { type RegistryApi, RegistryError, type RegistryValue } from "./bthport-parse.ts";

const HKEY_LOCAL_MACHINE = 0xffffffff80000002n;
const KEY_READ = 0x20019;
const ERROR_SUCCESS = 0;
const ERROR_FILE_NOT_FOUND = 2;
const ERROR_ACCESS_DENIED = 5;
const ERROR_NO_MORE_ITEMS = 259;

function failure(call: string, status: number): RegistryError {
  return new RegistryError(
    status === ERROR_ACCESS_DENIED ? `${call}: access denied` : `${call} returned error ${status}`,
  );
}

/** advapi32's registry calls through koffi; throws when koffi or advapi32.dll cannot be loaded. */
export async function openRegistry(): Promise<RegistryApi> {
  const koffi = await loadKoffi();
  const lib = koffi.load("advapi32.dll");
  const open = lib.func(
    "int32 __stdcall RegOpenKeyExW(void *key, const char16_t *subKey, uint32 options, uint32 sam, _Out_ void **result)",
  );
  const info = lib.func(
    "int32 __stdcall RegQueryInfoKeyW(void *key, void *cls, uint32 *clsLen, uint32 *reserved, _Out_ uint32 *subKeys, _Out_ uint32 *maxSubKeyLen, uint32 *maxClassLen, _Out_ uint32 *values, _Out_ uint32 *maxValueNameLen, _Out_ uint32 *maxValueLen, uint32 *securityDescriptor, void *lastWrite)",
  );
  const enumKey = lib.func(
    "int32 __stdcall RegEnumKeyExW(void *key, uint32 index, void *name, _Inout_ uint32 *nameLen, uint32 *reserved, void *cls, uint32 *clsLen, void *lastWrite)",
  );
  const enumValue = lib.func(
    "int32 __stdcall RegEnumValueW(void *key, uint32 index, void *name, _Inout_ uint32 *nameLen, uint32 *reserved, _Out_ uint32 *type, void *data, _Inout_ uint32 *dataLen)",
  );
  const close = lib.func("int32 __stdcall RegCloseKey(void *key)");

  /** Runs `read` on the open key HKLM\`path`, or gives undefined when the key does not exist. */
  function withKey<T>(path: string, read: (key: unknown, sizes: number[]) => T): T | undefined {
    const handle: unknown[] = [null];
    const status = open(HKEY_LOCAL_MACHINE, path, 0, KEY_READ, handle);
    if (status === ERROR_FILE_NOT_FOUND) return undefined;
    if (status !== ERROR_SUCCESS) throw failure("RegOpenKeyExW", status);
    try {
      const subKeys = [0];
      const maxSubKeyLen = [0];
      const values = [0];
      const maxValueNameLen = [0];
      const maxValueLen = [0];
      const queried = info(
        handle[0],
        null,
        null,
        null,
        subKeys,
        maxSubKeyLen,
        null,
        values,
        maxValueNameLen,
        maxValueLen,
        null,
        null,
      );
      if (queried !== ERROR_SUCCESS) throw failure("RegQueryInfoKeyW", queried);
      return read(handle[0], [
        subKeys[0] ?? 0,
        maxSubKeyLen[0] ?? 0,
        values[0] ?? 0,
        maxValueNameLen[0] ?? 0,
        maxValueLen[0] ?? 0,
      ]);
    } finally {
      close(handle[0]);
    }
  }

  function names(key: unknown, count: number, maxLength: number, kind: "keys" | "values"): string[] {
    const found: string[] = [];
    for (let index = 0; index < count; index++) {
      const buffer = Buffer.alloc((maxLength + 1) * 2);
      const length = [maxLength + 1];
      const status =
        kind === "keys"
          ? enumKey(key, index, buffer, length, null, null, null, null)
          : enumValue(key, index, buffer, length, null, [0], null, null);
      if (status === ERROR_NO_MORE_ITEMS) break;
      if (status !== ERROR_SUCCESS)
        throw failure(kind === "keys" ? "RegEnumKeyExW" : "RegEnumValueW", status);
      found.push(buffer.toString("utf16le", 0, (length[0] ?? 0) * 2));
    }
    return found;
  }

  return {
    subkeys: (path) =>
      withKey(path, (key, [subKeys = 0, maxSubKeyLen = 0]) => names(key, subKeys, maxSubKeyLen, "keys")),
    valueNames: (path) =>
      withKey(path, (key, [, , values = 0, maxValueNameLen = 0]) =>
        names(key, values, maxValueNameLen, "values"),
      ),
    values: (path) =>
      withKey(path, (key, [, , count = 0, maxValueNameLen = 0, maxValueLen = 0]) => {
        const found: RegistryValue[] = [];
        for (let index = 0; index < count; index++) {
          const name = Buffer.alloc((maxValueNameLen + 1) * 2);
          const nameLength = [maxValueNameLen + 1];
          const type = [0];
          const data = Buffer.alloc(Math.max(maxValueLen, 1));
          const dataLength = [data.byteLength];
          const status = enumValue(key, index, name, nameLength, null, type, data, dataLength);
          if (status === ERROR_NO_MORE_ITEMS) break;
          if (status !== ERROR_SUCCESS) throw failure("RegEnumValueW", status);
          found.push({
            name: name.toString("utf16le", 0, (nameLength[0] ?? 0) * 2),
            type: type[0] ?? 0,
            bytes: new Uint8Array(data.buffer, data.byteOffset, dataLength[0] ?? 0),
          });
        }
        return found;
      }),
  };
}
