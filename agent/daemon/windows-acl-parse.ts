// What `icacls <path> /save <file>` writes, read back: the file holds, for each name, a line with
// the name and a line with its DACL in SDDL (Security Descriptor Definition Language), in UTF-16LE.
// Pure: text in, a verdict out. The status key (status-key.ts) is trusted only in a directory whose
// DACL this says is SYSTEM's and Administrators' alone.
//
// SDDL rather than icacls's display form (`NT AUTHORITY\SYSTEM:(OI)(CI)(F)`): the display names
// are translated (`NT-AUTORITÄT\SYSTEM`, `VORDEFINIERT\Administratoren` on a German Windows), SDDL
// names the well-known SIDs the same way in every language (SY, BA), and it carries the DACL's
// protected flag (P: inheritance removed), which the display form does not.
// Formats: Microsoft Learn, "Security Descriptor String Format", "ACE Strings", "SID Strings";
// icacls /save: Microsoft Learn "icacls" and AskDS, "How to Back Up and Restore NTFS and Share
// Permissions" (test/fixtures/windows-acl/README.md).

/** One ACE of an SDDL DACL: `(type;flags;rights;object guid;inherit object guid;sid)`. */
export interface Ace {
  type: string;
  flags: string[];
  rights: string;
  sid: string;
}

export interface Dacl {
  /** P: the DACL does not inherit from the parent (icacls /inheritance:r). */
  protected: boolean;
  /** NO_ACCESS_CONTROL: a NULL DACL, which lets everyone do everything. */
  nullDacl: boolean;
  aces: Ace[];
}

/** Text that is not what icacls writes, with where it went wrong. */
export class AclParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AclParseError";
  }
}

/** LocalSystem (S-1-5-18) and the built-in Administrators group (S-1-5-32-544), as SDDL names them. */
const TRUSTED_SIDS: ReadonlyMap<string, string> = new Map([
  ["SY", "SYSTEM"],
  ["S-1-5-18", "SYSTEM"],
  ["BA", "Administrators"],
  ["S-1-5-32-544", "Administrators"],
]);

/** Names for the SIDs an untrusted entry most often names (SDDL "SID Strings"), for messages. */
const SID_NAMES: Readonly<Record<string, string>> = {
  WD: "Everyone",
  "S-1-1-0": "Everyone",
  AU: "Authenticated Users",
  BU: "Users",
  "S-1-5-32-545": "Users",
  IU: "Interactive",
  AN: "Anonymous",
  CO: "Creator Owner",
  OW: "Owner Rights",
  BG: "Guests",
  NU: "Network",
  LS: "Local Service",
  NS: "Network Service",
  PS: "Principal Self",
};

/** ACE types that grant (SDDL "ACE Strings": access allowed, object, callback, callback object). */
const ALLOW_TYPES = new Set(["A", "OA", "XA", "ZA"]);
/** ACE types that only take away (access denied, object, callback). */
const DENY_TYPES = new Set(["D", "OD", "XD"]);
const ACE_FLAGS = new Set(["CI", "OI", "NP", "IO", "ID", "SA", "FA", "TP", "CR"]);

/** Largest /save output read: one name and one DACL; real ones are a few hundred bytes. */
export const MAX_ACL_TEXT_BYTES = 64 * 1024;

/** icacls /save writes UTF-16LE without a byte order mark; a UTF-8 copy (a fixture, a pipe) reads too. */
export function decodeIcaclsSave(bytes: Buffer): string {
  if (bytes.length > MAX_ACL_TEXT_BYTES)
    throw new AclParseError(`icacls /save output is ${bytes.length} bytes, over ${MAX_ACL_TEXT_BYTES}`);
  let start = 0;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) start = 2;
  const utf16 = start === 2 || (bytes.length >= 2 && bytes[1] === 0 && bytes[0] !== 0);
  if (utf16) return bytes.subarray(start, start + ((bytes.length - start) & ~1)).toString("utf16le");
  return bytes.toString("utf8").replace(/^\uFEFF/, "");
}

/** The (name, SDDL) pairs of an icacls /save file. */
export function parseIcaclsSave(text: string): { name: string; sddl: string }[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  if (lines.length === 0) throw new AclParseError("icacls /save output is empty");
  if (lines.length % 2 !== 0)
    throw new AclParseError(`icacls /save output has ${lines.length} lines; it is name and DACL pairs`);
  const entries: { name: string; sddl: string }[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const name = lines[i] as string;
    const sddl = (lines[i + 1] as string).trim();
    if (!sddl.startsWith("D:"))
      throw new AclParseError(`line ${i + 2} of icacls /save output is not a DACL (it should start "D:")`);
    entries.push({ name, sddl });
  }
  return entries;
}

/** An SDDL SID: a two-letter alias (SY, BA) or the numeric form (S-1-5-18). */
const SID = "(?:[A-Z]{2}|S-1(?:-\\d+)+)";
const PREFIX = new RegExp(`^(?:O:${SID})?(?:G:${SID})?D:`);
const WHOLE_SID = new RegExp(`^${SID}$`);

/**
 * The DACL of an SDDL string: `D:` with its flags (P, AI, AR, NO_ACCESS_CONTROL) and ACEs, after
 * an optional owner (`O:`) and group (`G:`). Anything else, a SACL (`S:`) included, which icacls
 * /save never writes, is an AclParseError: nothing here is skipped that could hold a grant.
 */
export function parseSddlDacl(sddl: string): Dacl {
  const prefix = PREFIX.exec(sddl);
  if (!prefix) throw new AclParseError("no DACL (D:) at the start of the security descriptor");
  const rest = sddl.slice(prefix[0].length);
  const open = rest.indexOf("(");
  const flags = open < 0 ? rest : rest.slice(0, open);
  if (!/^(P|AI|AR|NO_ACCESS_CONTROL)*$/.test(flags))
    throw new AclParseError(`unknown DACL flags "${flags}" (P, AI, AR or NO_ACCESS_CONTROL)`);
  const aces: Ace[] = [];
  let body = open < 0 ? "" : rest.slice(open);
  while (body.length > 0) {
    const match = /^\(([^()]*)\)/.exec(body);
    if (!match) throw new AclParseError(`an ACE is not closed or has stray text: "${body.slice(0, 40)}"`);
    aces.push(parseAce(match[1] as string, aces.length));
    body = body.slice(match[0].length);
  }
  return {
    protected: /P/.test(flags.replace("NO_ACCESS_CONTROL", "")),
    nullDacl: flags.includes("NO_ACCESS_CONTROL"),
    aces,
  };
}

function parseAce(text: string, index: number): Ace {
  const fields = text.split(";");
  if (fields.length < 6)
    throw new AclParseError(`ACE ${index + 1} "(${text})" has ${fields.length} fields, not 6`);
  const [type = "", flagText = "", rights = "", , , sid = ""] = fields;
  if (!/^[A-Z]{1,2}$/.test(type)) throw new AclParseError(`ACE ${index + 1} has no type: "(${text})"`);
  if (flagText.length % 2 !== 0) throw new AclParseError(`ACE ${index + 1} has odd flags "${flagText}"`);
  const flags = flagText.match(/../g) ?? [];
  for (const flag of flags)
    if (!ACE_FLAGS.has(flag)) throw new AclParseError(`ACE ${index + 1} has an unknown flag "${flag}"`);
  if (!/^(0x[0-9a-fA-F]+|([A-Z]{2})+)$/.test(rights))
    throw new AclParseError(`ACE ${index + 1} has unreadable rights "${rights}"`);
  if (!WHOLE_SID.test(sid)) throw new AclParseError(`ACE ${index + 1} has no SID: "(${text})"`);
  return { type, flags, rights, sid };
}

function describeSid(sid: string): string {
  const name = SID_NAMES[sid];
  return name ? `${name} (${sid})` : sid;
}

/**
 * Why this DACL does not keep the path to SYSTEM and Administrators, or nothing when it does: every
 * entry that grants anything names one of them, and (for a directory, `protectedRequired`) nothing
 * is inherited from above, where others may be granted later. Deny entries only take away.
 */
export function aclProblems(dacl: Dacl, protectedRequired: boolean): string[] {
  if (dacl.nullDacl) return ["it has no DACL at all (NO_ACCESS_CONTROL): everyone has full access"];
  const problems: string[] = [];
  if (protectedRequired && !dacl.protected)
    problems.push("it inherits entries from its parent (inheritance is not removed)");
  for (const ace of dacl.aces) {
    if (DENY_TYPES.has(ace.type)) continue;
    if (!ALLOW_TYPES.has(ace.type)) {
      problems.push(`it holds an entry of a kind this check does not know (${ace.type})`);
      continue;
    }
    if (!TRUSTED_SIDS.has(ace.sid)) {
      const inherited = ace.flags.includes("ID") ? ", inherited" : "";
      problems.push(`it grants ${describeSid(ace.sid)} access (${ace.rights}${inherited})`);
    }
  }
  if (!dacl.aces.some((ace) => ALLOW_TYPES.has(ace.type) && TRUSTED_SIDS.get(ace.sid) === "SYSTEM"))
    problems.push("it grants SYSTEM nothing, so the service cannot use it");
  return problems;
}

/** The SIDs an untrusted entry grants to, for the fix (`icacls <path> /remove:g *<sid>`). */
export function untrustedSids(dacl: Dacl): string[] {
  return [
    ...new Set(
      dacl.aces.filter((a) => ALLOW_TYPES.has(a.type) && !TRUSTED_SIDS.has(a.sid)).map((a) => a.sid),
    ),
  ];
}
