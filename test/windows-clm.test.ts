// The Windows collectors must run in PowerShell's Constrained Language Mode (CLM): where AppLocker or
// WDAC enforce a policy (many government laptops), Windows PowerShell runs -Command and
// -EncodedCommand text in CLM, and a script that steps outside it fails with "Cannot invoke method.
// Method invocation is supported only on core types in this language mode." (the message as
// reported in ansible/ansible#41534 and PowerShell/PowerShell#17900). This checks the .ps1 files
// statically for what CLM refuses, by Microsoft's own list: about_Language_Modes for Windows
// PowerShell 5.1 (MicrosoftDocs/PowerShell-Docs, reference/5.1/Microsoft.PowerShell.Core/About/
// about_Language_Modes.md, "ConstrainedLanguage mode"): Add-Type cannot load C# or Win32 APIs,
// New-Object works only on the allowed types, only the allowed types may be used or converted to,
// and only ToString() and the methods of allowed types may be invoked.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BluetoothRegistryError, parseBluetoothRegistry } from "../probes/windows/bluetooth-parse.ts";
import { PnpDocumentError, parsePnpDocument } from "../probes/windows/pnp-document.ts";
import { powershellCommand } from "../probes/windows/sources.ts";

const DIRECTORY = join(import.meta.dirname, "..", "probes", "windows");
const SCRIPTS = ["collect-pnp.ps1", "collect-bluetooth.ps1"];

/** about_Language_Modes (5.1), "Allowed Types", lower-cased. */
const CLM_ALLOWED_TYPES = new Set(
  [
    "adsi",
    "adsisearcher",
    "Alias",
    "AllowEmptyCollection",
    "AllowEmptyString",
    "AllowNull",
    "ArgumentCompleter",
    "ArgumentCompletions",
    "array",
    "bigint",
    "bool",
    "byte",
    "char",
    "cimclass",
    "cimconverter",
    "ciminstance",
    "CimSession",
    "cimtype",
    "CmdletBinding",
    "cultureinfo",
    "datetime",
    "decimal",
    "double",
    "DscLocalConfigurationManager",
    "DscProperty",
    "DscResource",
    "ExperimentAction",
    "Experimental",
    "ExperimentalFeature",
    "float",
    "guid",
    "hashtable",
    "int",
    "int16",
    "int32",
    "int64",
    "ipaddress",
    "IPEndpoint",
    "long",
    "mailaddress",
    "Microsoft.PowerShell.Commands.ModuleSpecification",
    "NullString",
    "Object[]",
    "ObjectSecurity",
    "ordered",
    "OutputType",
    "Parameter",
    "PhysicalAddress",
    "pscredential",
    "pscustomobject",
    "PSDefaultValue",
    "pslistmodifier",
    "psobject",
    "psprimitivedictionary",
    "PSTypeNameAttribute",
    "ref",
    "regex",
    "sbyte",
    "securestring",
    "semver",
    "short",
    "single",
    "string",
    "SupportsWildcards",
    "switch",
    "timespan",
    "uint",
    "uint16",
    "uint32",
    "uint64",
    "ulong",
    "uri",
    "ushort",
    "ValidateCount",
    "ValidateDrive",
    "ValidateLength",
    "ValidateNotNull",
    "ValidateNotNullOrEmpty",
    "ValidatePattern",
    "ValidateRange",
    "ValidateScript",
    "ValidateSet",
    "ValidateTrustedData",
    "ValidateUserDrive",
    "version",
    "void",
    "WildcardPattern",
    "wmi",
    "wmiclass",
    "wmisearcher",
    "X500DistinguishedName",
    "X509Certificate",
    "xml",
  ].map((name) => name.toLowerCase()),
);

/** Methods the scripts call, each on an allowed type (so CLM lets it run). */
const METHODS_ON_ALLOWED_TYPES: Record<string, string> = {
  ToString: "any object (CLM allows ToString() everywhere)",
  ToUpperInvariant: "[string]",
  FromFileTimeUtc: "[datetime] (static)",
};

/** The script as code: comments and single-quoted strings (which hold no code) blanked out. */
function codeOf(script: string): string {
  return script
    .split("\n")
    .map((line) => line.replace(/'(?:[^']|'')*'/g, "''").replace(/(^|\s)#.*$/, "$1"))
    .join("\n");
}

function read(file: string): string {
  return readFileSync(join(DIRECTORY, file), "utf8");
}

describe("the collectors run in PowerShell's Constrained Language Mode", () => {
  for (const file of SCRIPTS) {
    const code = codeOf(read(file));

    it(`${file}: no Add-Type, New-Object, COM, Invoke-Expression or dot-sourcing`, () => {
      expect(code).not.toMatch(/\bAdd-Type\b/i);
      expect(code).not.toMatch(/\bNew-Object\b/i);
      expect(code).not.toMatch(/-ComObject\b/i);
      expect(code).not.toMatch(/\b(Invoke-Expression|iex)\b/i);
      expect(code).not.toMatch(/(^|[;{\s])\.\s+['"$\w]/m);
    });

    it(`${file}: every type it names is one CLM allows (about_Language_Modes, "Allowed Types")`, () => {
      // [Type], [Type[]] and [Namespace.Type]: casts, -is tests and static calls. Indexing ($x[7],
      // $data["..."]) starts with a digit, a quote or a variable, never a letter after "[".
      const types = [...code.matchAll(/(?<![\w\]$)])\[([A-Za-z][\w.]*)(\[\])?\]/g)].map((m) => m[1] ?? "");
      expect(types.length).toBeGreaterThan(3);
      const refused = types.filter((type) => !CLM_ALLOWED_TYPES.has(type.toLowerCase()));
      expect(refused).toEqual([]);
    });

    it(`${file}: every .NET method it invokes is one on an allowed type`, () => {
      const methods = [...code.matchAll(/(?:\.|::)([A-Za-z_]\w*)\(/g)].map((m) => m[1] ?? "");
      const unknown = methods.filter((method) => !(method in METHODS_ON_ALLOWED_TYPES));
      expect(unknown).toEqual([]);
    });

    it(`${file}: reports the session's language mode, so a refusal is explained`, () => {
      expect(code).toContain('$mode = "$($ExecutionContext.SessionState.LanguageMode)"');
      expect(code).toMatch(
        /CollectorError = "[\w-]+\.ps1: \$\(\$_\.Exception\.Message\)"; LanguageMode = \$mode/,
      );
      // Nothing on [Console] (not an allowed type): the document is the script's output.
      expect(code).not.toMatch(/\[Console\]/i);
    });
  }

  it("what the checker refuses: the constructs the collectors used before they were made CLM-safe", () => {
    const old = codeOf(
      [
        "[regex]::Replace($json, '[^\\x00-\\x7F]', { param($m) 'x' })",
        "$out = New-Object System.Collections.ArrayList",
        "[void]$out.Add($entry)",
        "[Console]::Out.Write($json)",
        "$entry.Name = [Text.Encoding]::UTF8.GetString($name)",
        "[BitConverter]::ToUInt32([BitConverter]::GetBytes([int32]$raw), 0)",
        "$radio.GetValueNames()",
      ].join("\n"),
    );
    const types = [...old.matchAll(/(?<![\w\]$)])\[([A-Za-z][\w.]*)(\[\])?\]/g)].map((m) => m[1] ?? "");
    expect(types.filter((type) => !CLM_ALLOWED_TYPES.has(type.toLowerCase()))).toEqual([
      "Console",
      "Text.Encoding",
      "BitConverter",
      "BitConverter",
    ]);
    const methods = [...old.matchAll(/(?:\.|::)([A-Za-z_]\w*)\(/g)].map((m) => m[1] ?? "");
    expect(methods.filter((method) => !(method in METHODS_ON_ALLOWED_TYPES))).toEqual([
      "Replace",
      "Add",
      "Write",
      "GetString",
      "ToUInt32",
      "GetBytes",
      "GetValueNames",
    ]);
    expect(old).toMatch(/\bNew-Object\b/);
  });

  it("is launched as Windows PowerShell 5.1 text (-EncodedCommand), never -Version 2, which would bypass CLM", () => {
    // Under enforcement, -Command and -EncodedCommand text runs in CLM: the scripts above are written
    // for it. PowerShell 2.0 has no CLM at all, so asking for it is what an attacker would do.
    const argv = powershellCommand("Get-Date");
    expect(argv).toContain("-EncodedCommand");
    expect(argv.map((arg) => arg.toLowerCase())).not.toContain("-version");
    expect(argv[0]).toMatch(/\\WindowsPowerShell\\v1\.0\\powershell\.exe$/);
  });
});

describe("a collector refused by Constrained Language Mode says so", () => {
  const refusal = JSON.stringify({
    CollectorError:
      "collect-pnp.ps1: Cannot invoke method. Method invocation is supported only on core types in this language mode.",
    LanguageMode: "ConstrainedLanguage",
  });

  it("pnp-devices.json: the listing is unavailable, with the error and the language mode explained", () => {
    expect(() => parsePnpDocument(refusal)).toThrow(PnpDocumentError);
    expect(() => parsePnpDocument(refusal)).toThrow(
      /^pnp-devices\.json: the collector failed: collect-pnp\.ps1: Cannot invoke method\..* \(PowerShell ran in ConstrainedLanguage mode, as it does under an enforced AppLocker or WDAC policy; the in-process CfgMgr32 collector needs no PowerShell\)$/,
    );
  });

  it("bluetooth-registry.json: the same", () => {
    const text = refusal.replace("collect-pnp.ps1", "collect-bluetooth.ps1");
    expect(() => parseBluetoothRegistry(text)).toThrow(BluetoothRegistryError);
    expect(() => parseBluetoothRegistry(text)).toThrow(
      /collect-bluetooth\.ps1: Cannot invoke method.*ConstrainedLanguage mode/,
    );
  });

  it("a failure in FullLanguage mode is not blamed on a policy", () => {
    const text = JSON.stringify({
      CollectorError: "collect-pnp.ps1: Access is denied",
      LanguageMode: "FullLanguage",
    });
    expect(() => parsePnpDocument(text)).toThrow(
      "pnp-devices.json: the collector failed: collect-pnp.ps1: Access is denied (PowerShell in FullLanguage mode)",
    );
  });

  it("a binary BTHPORT Name comes as NameHex (no Text.Encoding in CLM) and is decoded as UTF-8 here", () => {
    // "Kaan’s AirPods" in UTF-8 with the trailing NUL BTHPORT stores.
    const hex = Buffer.from("Kaan\u2019s AirPods\0", "utf8").toString("hex");
    const { registry, warnings } = parseBluetoothRegistry(
      JSON.stringify({
        Devices: [{ Address: "a0b1c2d3e4f5", NameHex: hex }],
        Keys: [],
        LanguageMode: "ConstrainedLanguage",
      }),
    );
    expect(registry.Devices?.[0]?.Name).toBe("Kaan\u2019s AirPods");
    expect(warnings).toEqual([]);
    const bad = parseBluetoothRegistry(
      JSON.stringify({ Devices: [{ Address: "a0b1c2d3e4f5", NameHex: "zz" }] }),
    );
    expect(bad.warnings).toEqual(["bluetooth-registry.json: Devices[0].NameHex is not hex bytes; ignored"]);
  });
});
