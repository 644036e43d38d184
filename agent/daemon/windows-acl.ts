// Setting and reading Windows ACLs with icacls.exe (in every Windows since Vista), so the status
// key's directory is SYSTEM's and Administrators' alone. Collection only: windows-acl-parse.ts
// judges what icacls reports. The commands are the MSI's own (packaging/windows/build-msi.ts).

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aclProblems, decodeIcaclsSave, parseIcaclsSave, parseSddlDacl } from "./windows-acl-parse.ts";

/** What the status key needs from Windows ACLs; tests give recorded DACLs instead. */
export interface AclTool {
  /** Removes inheritance, grants SYSTEM and Administrators full control, makes Administrators owner. */
  restrict(dir: string): Promise<void>;
  /** The path's DACL in SDDL, as icacls /save writes it. */
  dacl(path: string): Promise<string>;
}

/** SYSTEM (S-1-5-18) and Administrators (S-1-5-32-544), full control, inherited by what is inside. */
export const RESTRICT_GRANTS = ["*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F"];
const ICACLS_TIMEOUT_MS = 15_000;

/** icacls from the system directory, never one found first on PATH. */
function icaclsPath(): string {
  return join(process.env.SystemRoot ?? "C:\\Windows", "System32", "icacls.exe");
}

function icacls(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      icaclsPath(),
      args,
      { windowsHide: true, timeout: ICACLS_TIMEOUT_MS, maxBuffer: 64 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve();
        const said = `${stderr}${stdout}`.trim().split(/\r?\n/)[0] ?? "";
        reject(new Error(`icacls ${args.join(" ")} failed${said ? `: ${said}` : ""}`, { cause: error }));
      },
    );
  });
}

export const icaclsTool: AclTool = {
  async restrict(dir) {
    await icacls([dir, "/inheritance:r", "/grant:r", ...RESTRICT_GRANTS, "/q"]);
    // Whoever owns a directory may rewrite its DACL: a user who made it first keeps that right.
    await icacls([dir, "/setowner", "*S-1-5-32-544", "/q"]);
  },
  async dacl(path) {
    const scratch = await mkdtemp(join(tmpdir(), "eca-acl-"));
    try {
      const out = join(scratch, "acl.txt");
      await icacls([path, "/save", out, "/q"]);
      const entries = parseIcaclsSave(decodeIcaclsSave(await readFile(out)));
      if (entries.length !== 1)
        throw new Error(`icacls /save ${path} wrote ${entries.length} entries, not one`);
      return (entries[0] as { sddl: string }).sddl;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  },
};

/** Why `path` is not SYSTEM's and Administrators' alone, or undefined when it is. */
export async function aclProblem(
  tool: AclTool,
  path: string,
  kind: "directory" | "file",
): Promise<string | undefined> {
  let sddl: string;
  try {
    sddl = await tool.dacl(path);
  } catch (error) {
    return `its ACL could not be read (${error instanceof Error ? error.message : String(error)})`;
  }
  try {
    const problems = aclProblems(parseSddlDacl(sddl), kind === "directory");
    return problems.length > 0 ? `${problems.join("; ")} [${sddl}]` : undefined;
  } catch (error) {
    return `its ACL "${sddl}" could not be read: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The command an administrator runs to restrict the directory by hand. */
export function restrictCommand(dir: string): string {
  return `icacls "${dir}" /inheritance:r /grant:r ${RESTRICT_GRANTS.join(" ")}`;
}
