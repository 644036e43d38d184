// The status key's directory is trusted only when icacls says it is SYSTEM's and Administrators'
// alone: the parser on recorded /save outputs (test/fixtures/windows-acl/README.md cites each).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AclParseError,
  aclProblems,
  decodeIcaclsSave,
  parseIcaclsSave,
  parseSddlDacl,
  untrustedSids,
} from "../agent/daemon/windows-acl-parse.ts";

const FIXTURES = join(import.meta.dirname, "fixtures/windows-acl");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

/** As icacls writes it: UTF-16LE. */
function utf16(name: string): Buffer {
  return Buffer.from(fixture(name).toString("utf8"), "utf16le");
}

function problemsOf(name: string, kind: "directory" | "file" = "directory"): string[] {
  const [entry] = parseIcaclsSave(decodeIcaclsSave(utf16(name)));
  return aclProblems(parseSddlDacl(entry?.sddl ?? ""), kind === "directory");
}

describe("icacls /save output", () => {
  it("reads UTF-16LE as icacls writes it, and UTF-8 copies", () => {
    for (const bytes of [utf16("restricted-state-dir.save.txt"), fixture("restricted-state-dir.save.txt")]) {
      expect(parseIcaclsSave(decodeIcaclsSave(bytes))).toEqual([
        { name: "state", sddl: "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)" },
      ]);
    }
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), utf16("null-dacl.save.txt")]);
    expect(parseIcaclsSave(decodeIcaclsSave(bom))[0]?.sddl).toBe("D:NO_ACCESS_CONTROL");
  });

  it("the MSI's restricted directory is accepted, its key file too", () => {
    expect(problemsOf("restricted-state-dir.save.txt")).toEqual([]);
    expect(problemsOf("status-key-inherited.save.txt", "file")).toEqual([]);
    expect(problemsOf("restricted-with-deny.save.txt")).toEqual([]);
    expect(
      aclProblems(parseSddlDacl(fixture("openssh-admin-keys.sddl.txt").toString().trim()), false),
    ).toEqual([]);
  });

  it("a directory a user created under ProgramData first is refused, naming who else has access", () => {
    const problems = problemsOf("user-created-under-programdata.save.txt");
    expect(problems.join("\n")).toContain("inherits entries from its parent");
    expect(problems.join("\n")).toContain("S-1-5-21-3623811015-3361044348-30300820-1013");
    expect(problems.join("\n")).toContain("Users (BU)");
    expect(problems.join("\n")).toContain("Creator Owner (CO)");
    const [entry] = parseIcaclsSave(fixture("user-created-under-programdata.save.txt").toString());
    expect(untrustedSids(parseSddlDacl(entry?.sddl ?? ""))).toEqual([
      "S-1-5-21-3623811015-3361044348-30300820-1013",
      "CO",
      "BU",
    ]);
  });

  it("a default data folder, one grant to Everyone, a NULL DACL: refused", () => {
    expect(problemsOf("askds-data-folder.save.txt").join("\n")).toContain("Authenticated Users (AU)");
    expect(problemsOf("restricted-plus-everyone.save.txt")).toEqual([
      "it grants Everyone (WD) access (0x1200a9)",
    ]);
    expect(problemsOf("null-dacl.save.txt")).toEqual([
      "it has no DACL at all (NO_ACCESS_CONTROL): everyone has full access",
    ]);
  });

  it("inherited SYSTEM and Administrators entries do for the key file, not for its directory", () => {
    expect(problemsOf("unprotected-inherited-admins.save.txt", "file")).toEqual([]);
    expect(problemsOf("unprotected-inherited-admins.save.txt")).toEqual([
      "it inherits entries from its parent (inheritance is not removed)",
    ]);
  });

  it("an empty DACL grants SYSTEM nothing; unknown ACE kinds fail closed", () => {
    expect(aclProblems(parseSddlDacl("D:P"), true)).toEqual([
      "it grants SYSTEM nothing, so the service cannot use it",
    ]);
    expect(aclProblems(parseSddlDacl("D:P(A;;FA;;;SY)(ZZ;;FA;;;SY)"), true)[0]).toContain(
      "does not know (ZZ)",
    );
    // Numeric SIDs count as the well-known ones.
    expect(aclProblems(parseSddlDacl("D:P(A;OICI;FA;;;S-1-5-18)(A;OICI;FA;;;S-1-5-32-544)"), true)).toEqual(
      [],
    );
    // Nothing after the DACL is skipped, a SACL included (icacls /save writes none): it could hide a grant.
    expect(() => parseSddlDacl("D:P(A;;FA;;;SY)S:(A;;FA;;;WD)")).toThrow(AclParseError);
    expect(() => parseSddlDacl("XD:P(A;;FA;;;WD)D:P(A;;FA;;;SY)")).toThrow(AclParseError);
  });

  it("text that is not icacls output is an error, never a pass", () => {
    for (const text of ["", "state\r\n", "state\r\nNT AUTHORITY\\SYSTEM:(OI)(CI)(F)\r\n"])
      expect(() => parseIcaclsSave(text)).toThrow(AclParseError);
    for (const sddl of [
      "O:BA",
      "D:X(A;;FA;;;SY)",
      "D:P(A;;FA;;;SY",
      "D:P(A;;FA;;SY)",
      "D:P(A;QQ;FA;;;SY)",
      "D:P(A;;FA;;;nobody)",
      "D:P(A;;FA;;;SY)junk",
    ])
      expect(() => parseSddlDacl(sddl), sddl).toThrow(AclParseError);
    expect(() => decodeIcaclsSave(Buffer.alloc(70_000, 0x41))).toThrow(/over/);
  });
});
