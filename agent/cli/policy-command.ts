// `eca policy check | keygen | sign | verify | explain`: the policy owner's and IT support's tools.
// Signing is described in docs/POLICY-SIGNING.md; exit codes in README.md's commands table.

import type { Command } from "commander";
import { checkPolicyFile, PolicyCheckError, renderWarning } from "../../policy/check.ts";
import { DocumentError, readDocumentBytes, readDocumentFile } from "../../policy/document.ts";
import { DEFAULT_EXPIRING_DAYS } from "../../policy/evaluate.ts";
import { loadPolicy, policyFromText } from "../../policy/load.ts";
import {
  bundleOf,
  generatePolicyKey,
  looksLikeBundle,
  MAX_SIGNATURE_BYTES,
  type PolicySignature,
  parseBundle,
  parsePrivateKey,
  parseSignature,
  signPolicyBytes,
  verifyPolicyBytes,
} from "../../policy/signature.ts";
import { jsonForTerminal, sanitizeForTerminal } from "../text/sanitize.ts";
import { EXIT_COMPLIANT } from "./exit-codes.ts";
import { addDeviceSourceOptions, type DeviceSourceFlags, probeSetup } from "./options.ts";
import { renderExplanation } from "./policy-explain.ts";

const KEYGEN_HELP = `
Exit codes:
  0  the key pair was written
  2  it was not (a file of that name exists, or the directory cannot be written)
`;
const SIGN_HELP = `
Exit codes:
  0  signed: the signature (or bundle) was written
  2  not signed: the policy is invalid, has errors, carries no issuedAt, or the key is unusable
`;
const VERIFY_HELP = `
Exit codes:
  0  the policy is signed by one of the trusted keys and is valid
  2  it is not: unsigned, signed by another key, altered after signing, or invalid
`;
const EXPLAIN_HELP = `
Exit codes: as eca scan
  0  compliant   1  findings   2  error   3  could not check
`;

async function writeNew(path: string, data: string, mode: number): Promise<void> {
  const { writeFile } = await import("node:fs/promises");
  try {
    await writeFile(path, data, { flag: "wx", mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DocumentError(path, [
      {
        path: "",
        message: code === "EEXIST" ? "already exists" : `cannot be written (${code ?? String(error)})`,
        hint:
          code === "EEXIST" ? "choose another --out, or move the old file away first" : "check the directory",
      },
    ]);
  }
}

interface VerifyFlags {
  sig?: string;
  trustedKey?: string[];
  config?: string;
}

/** The trusted keys for `verify`: --trusted-key, else the agent configuration's policy.trustedKeys. */
async function trustedKeysFor(flags: VerifyFlags) {
  const { parseTrustedKeys } = await import("../daemon/policy-source.ts");
  if (flags.trustedKey?.length) return parseTrustedKeys(flags.trustedKey, "--trusted-key");
  const { loadConfig } = await import("../config/config.ts");
  const config = await loadConfig(flags.config);
  const keys = config.policy?.trustedKeys ?? [];
  if (keys.length === 0) {
    throw new DocumentError(config.source, [
      {
        path: "policy.trustedKeys",
        message: "is missing: there is no key to verify against",
        hint: "give --trusted-key ed25519:... (the .pub file's line), or --config with policy.trustedKeys",
      },
    ]);
  }
  return parseTrustedKeys(keys);
}

/** The policy's bytes and signature: a bundle carries both; otherwise POLICY.sig (or --sig). */
async function readSigned(
  file: string,
  sigFile?: string,
): Promise<{ bytes: Buffer; signature?: PolicySignature }> {
  const bytes = await readDocumentBytes(file, "check the path of the policy", 2 * 1024 * 1024);
  const text = bytes.toString("utf8");
  if (looksLikeBundle(text)) return parseBundle(text, file);
  const path = sigFile ?? `${file}.sig`;
  const signatureText = await readDocumentFile(
    path,
    `sign it with eca policy sign ${file} --key KEY, or give the signature with --sig`,
    MAX_SIGNATURE_BYTES,
  ).catch((error: unknown) => {
    if (sigFile) throw error;
    return undefined;
  });
  return {
    bytes,
    ...(signatureText !== undefined ? { signature: parseSignature(signatureText, path) } : {}),
  };
}

export function registerPolicyCommand(program: Command): void {
  const policy = program.command("policy").description("work with policy files");
  policy
    .command("check <file>")
    .description(
      "validate a policy file and say what is wrong and how to fix it: schema errors, vehicles approved (errors); approvals lapsed or lapsing, unscoped, duplicate, contradictory or never matching (warnings)",
    )
    .option(
      "--expiring-days <n>",
      "warn about approvals lapsing within this many days",
      String(DEFAULT_EXPIRING_DAYS),
    )
    .action(async (file: string, flags: { expiringDays: string }) => {
      const days = Number(flags.expiringDays);
      let result: Awaited<ReturnType<typeof checkPolicyFile>>;
      try {
        result = await checkPolicyFile(
          file,
          new Date(),
          Number.isInteger(days) && days >= 0 ? days : DEFAULT_EXPIRING_DAYS,
        );
      } catch (error) {
        const warnings = error instanceof PolicyCheckError ? error.warnings : [];
        for (const w of warnings) process.stderr.write(`${sanitizeForTerminal(renderWarning(file, w))}\n`);
        throw error;
      }
      const { loaded, warnings } = result;
      for (const w of warnings) process.stdout.write(`${sanitizeForTerminal(renderWarning(file, w))}\n`);
      const { id, version, approvedDevices, approvals, issuedAt } = loaded.policy;
      process.stdout.write(
        `${sanitizeForTerminal(`${file}: valid policy ${id} ${version}${issuedAt ? ` issued at ${issuedAt}` : ""}: ${approvedDevices.length} approved devices, ${approvals.length} approvals${warnings.length ? `, ${warnings.length} warning(s)` : ""}`)}\n`,
      );
      process.exitCode = EXIT_COMPLIANT;
    });

  policy
    .command("keygen")
    .description("make an Ed25519 key pair for signing policies: PREFIX.key (private, 0600) and PREFIX.pub")
    .option("--out <prefix>", "where to write the key pair", "policy-signing")
    .addHelpText("after", KEYGEN_HELP)
    .action(async (flags: { out: string }) => {
      const pair = generatePolicyKey();
      await writeNew(`${flags.out}.key`, pair.privateKeyPem, 0o600);
      await writeNew(`${flags.out}.pub`, `${pair.publicKey}\n`, 0o644);
      process.stdout.write(
        `wrote ${flags.out}.key (the private key: keep it with the policy owner, never on laptops) and ${flags.out}.pub\n` +
          `key id: ${pair.keyId}\n` +
          `to trust it, add to the agent configuration:\n  policy:\n    trustedKeys:\n      - ${pair.publicKey}\n`,
      );
      process.exitCode = EXIT_COMPLIANT;
    });

  policy
    .command("sign <policy>")
    .description(
      "sign a policy file's exact bytes with an Ed25519 key: writes POLICY.sig, or with --bundle one file carrying policy and signature",
    )
    .requiredOption("--key <file>", "the private key (PREFIX.key from eca policy keygen)")
    .option("--bundle", "write a signed bundle (POLICY.signed.json) instead of a detached signature")
    .option("--out <file>", "where to write the signature or bundle")
    .addHelpText("after", SIGN_HELP)
    .action(async (file: string, flags: { key: string; bundle?: boolean; out?: string }) => {
      const { loaded } = await checkPolicyFile(file);
      if (!loaded.policy.issuedAt) {
        throw new DocumentError(file, [
          {
            path: "issuedAt",
            message:
              "is missing: a signed policy must say when it was issued, so that no older one can replace it",
            hint: `add issuedAt: "${new Date().toISOString().slice(0, 19)}Z" and sign again`,
          },
        ]);
      }
      const { key, keyId } = parsePrivateKey(
        await readDocumentFile(flags.key, "give the .key file eca policy keygen wrote", 64 * 1024),
        flags.key,
      );
      const bytes = await readDocumentBytes(file, "check the path of the policy");
      if (looksLikeBundle(bytes.toString("utf8"))) {
        throw new DocumentError(file, [
          {
            path: "",
            message: "is already a signed bundle",
            hint: "sign the policy file itself (YAML or JSON), not a bundle made from it",
          },
        ]);
      }
      const signature = signPolicyBytes(bytes, key, keyId);
      const out =
        flags.out ?? (flags.bundle ? `${file.replace(/\.(ya?ml|json)$/i, "")}.signed.json` : `${file}.sig`);
      const { writeFile, rename } = await import("node:fs/promises");
      const document = flags.bundle ? bundleOf(bytes, signature) : signature;
      await writeFile(`${out}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
      await rename(`${out}.tmp`, out);
      process.stdout.write(
        `${sanitizeForTerminal(`signed ${file} (${loaded.policy.id} ${loaded.policy.version}, issued at ${loaded.policy.issuedAt}) with key ${keyId}: wrote ${out}`)}\n`,
      );
      process.exitCode = EXIT_COMPLIANT;
    });

  policy
    .command("verify <policy>")
    .description(
      "check that a policy (a file with POLICY.sig beside it, or a signed bundle) is signed by a trusted key and valid",
    )
    .option("--sig <file>", "the detached signature (default: POLICY.sig)")
    .option(
      "--trusted-key <key...>",
      "trusted public keys, ed25519:... (default: the configuration's policy.trustedKeys)",
    )
    .option("--config <file>", "agent configuration to take policy.trustedKeys from")
    .addHelpText("after", VERIFY_HELP)
    .action(async (file: string, flags: VerifyFlags) => {
      const trusted = await trustedKeysFor(flags);
      const { bytes, signature } = await readSigned(file, flags.sig);
      const check = verifyPolicyBytes(bytes, signature, trusted);
      if (!check.ok)
        throw new DocumentError(file, [
          {
            path: "",
            message: `is not trusted: ${check.reason}`,
            hint: "sign the policy with a trusted key (eca policy sign), and distribute the policy and signature together",
          },
        ]);
      const loaded = await policyFromText(bytes, file);
      const { id, version, issuedAt, expiresAt } = loaded.policy;
      process.stdout.write(
        `${sanitizeForTerminal(`${file}: signed by trusted key ${check.keyId}: policy ${id} ${version}${issuedAt ? `, issued at ${issuedAt}` : ", no issuedAt (the agent refuses it)"}${expiresAt ? `, expires at ${expiresAt}` : ""}`)}\n`,
      );
      process.exitCode = EXIT_COMPLIANT;
    });

  addDeviceSourceOptions(
    policy
      .command("explain")
      .description(
        "for each device present, which policy entry or built-in rule decided its verdict, the fields that matched, the approval's reference, approver and dates, and what would make it compliant",
      )
      .option("--json", "print one JSON document")
      .option(
        "--policy <file>",
        "policy file (YAML, JSON or a signed bundle); the built-in policy when left out",
      )
      .option(
        "--expiring-days <n>",
        "approval-expiring from this many days before an approval lapses",
        String(DEFAULT_EXPIRING_DAYS),
      ),
  )
    .addHelpText("after", EXPLAIN_HELP)
    .action(async (flags: DeviceSourceFlags & { json?: boolean; policy?: string; expiringDays: string }) => {
      const loaded = await loadPolicy(flags.policy);
      const days = Number(flags.expiringDays);
      const { backends, options, hostname } = probeSetup(flags);
      // A capture is judged as the laptop it names; anything else as this one.
      const { readHostFacts } = await import("../daemon/host-facts.ts");
      const host = hostname !== undefined ? { hostname } : await readHostFacts();
      const { scanOnce } = await import("../scan.ts");
      const report = await scanOnce(
        backends,
        options,
        {
          ...loaded,
          context: { host, ...(Number.isInteger(days) && days >= 0 ? { expiringDays: days } : {}) },
        },
        hostname,
      );
      const { explanationOf } = await import("./policy-explain.ts");
      const explanation = explanationOf(report, host);
      process.stdout.write(
        flags.json ? `${jsonForTerminal(explanation, 2)}\n` : renderExplanation(explanation),
      );
      const { scanExitCode } = await import("./exit-codes.ts");
      process.exitCode = scanExitCode(report);
    });
}
