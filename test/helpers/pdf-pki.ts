/**
 * Throw-away PKI for the document tests and the PDF bench, made with the `openssl` binary: a root
 * CA with a Chinese name (`/C=CN/O=演示公共资源交易中心/CN=演示平台根证书`,
 * UTF8String) and RSA-2048 signing certificates issued by it. Not for
 * production keys. Every openssl run works in its own temp directory, removed after.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { SignerPems } from "../../server/documents/signer-keys.js";

const run = promisify(execFile);

/** Subject of the demo root CA. */
export const TEST_CA_SUBJECT = "/C=CN/O=演示公共资源交易中心/CN=演示平台根证书";

/** A certificate with its key, PEM-encoded; `chainPem` holds the CA certificate. */
export interface TestCredentials extends SignerPems {
  chainPem: string[];
  /** The subject passed to openssl, e.g. `/C=CN/O=…/CN=评标专家 张三`. */
  subject: string;
}

/** Options of {@link TestPki.issue}. */
export interface IssueOptions {
  /** Common name, may be Chinese. */
  commonName: string;
  organization?: string;
  notBefore?: Date;
  notAfter?: Date;
}

/** The CA plus a function issuing further certificates. */
export interface TestPki {
  ca: { certPem: string; keyPem: string };
  /** Signing certificate of the platform itself (CN=电子开评标平台签章). */
  platform: TestCredentials;
  issue(opts: IssueOptions): Promise<TestCredentials>;
}

const REQ_CONFIG = `[ req ]
distinguished_name = dn
string_mask = utf8only
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;

const caConfig = (dir: string) => `[ ca ]
default_ca = demo
[ demo ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
x509_extensions = signer_ext
[ policy_any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ signer_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/** `YYYYMMDDHHMMSSZ` as accepted by `openssl ca -startdate/-enddate`. */
function asn1Time(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}

/** Escapes `/` and `=` inside a subject value for openssl's -subj syntax. */
function subjValue(v: string): string {
  return v.replace(/[\\/=+]/g, (c) => `\\${c}`);
}

async function newKey(dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  await run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path]);
  return path;
}

/** Runs `fn` in a fresh temp directory that is removed afterwards. */
async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "bid-hall-pki-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function createCa(): Promise<TestPki["ca"]> {
  return inTempDir(async (dir) => {
    await writeFile(join(dir, "req.cnf"), REQ_CONFIG);
    const key = await newKey(dir, "ca.key");
    const cert = join(dir, "ca.pem");
    await run("openssl", [
      "req", "-x509", "-new", "-utf8", "-key", key, "-subj", TEST_CA_SUBJECT,
      "-days", "3650", "-config", join(dir, "req.cnf"), "-extensions", "ca_ext", "-out", cert,
    ]);
    return { certPem: await readFile(cert, "utf8"), keyPem: await readFile(key, "utf8") };
  });
}

function issueCert(ca: TestPki["ca"], opts: IssueOptions): Promise<TestCredentials> {
  return inTempDir(async (dir) => {
    await mkdir(join(dir, "newcerts"));
    await writeFile(join(dir, "index.txt"), "");
    // Random serials: NSS rejects two certificates with the same issuer and serial.
    await writeFile(join(dir, "serial"), `${randomBytes(12).toString("hex").replace(/^./, "1")}\n`);
    await writeFile(join(dir, "req.cnf"), REQ_CONFIG);
    await writeFile(join(dir, "ca.cnf"), caConfig(dir));
    await writeFile(join(dir, "ca.pem"), ca.certPem);
    await writeFile(join(dir, "ca.key"), ca.keyPem, { mode: 0o600 });
    const key = await newKey(dir, "s.key");
    const subject = `/C=CN/O=${subjValue(opts.organization ?? "演示公共资源交易中心")}/CN=${subjValue(opts.commonName)}`;
    const csr = join(dir, "s.csr");
    const out = join(dir, "s.pem");
    await run("openssl", ["req", "-new", "-utf8", "-key", key, "-subj", subject, "-config", join(dir, "req.cnf"), "-out", csr]);
    const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
    const notAfter = opts.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
    await run("openssl", [
      "ca", "-batch", "-utf8", "-preserveDN", "-notext", "-config", join(dir, "ca.cnf"),
      "-cert", join(dir, "ca.pem"), "-keyfile", join(dir, "ca.key"), "-in", csr, "-out", out,
      "-startdate", asn1Time(notBefore), "-enddate", asn1Time(notAfter),
    ]);
    return { certPem: await readFile(out, "utf8"), keyPem: await readFile(key, "utf8"), chainPem: [ca.certPem], subject };
  });
}

/** Creates a fresh CA and platform certificate. Needs `openssl` on PATH. */
export async function createTestPki(): Promise<TestPki> {
  const ca = await createCa();
  const issue = (opts: IssueOptions) => issueCert(ca, opts);
  return { ca, platform: await issue({ commonName: "电子开评标平台签章" }), issue };
}

let shared: Promise<TestPki> | undefined;

/** One {@link createTestPki} per process, shared by tests. */
export function getTestPki(): Promise<TestPki> {
  shared ??= createTestPki();
  return shared;
}
