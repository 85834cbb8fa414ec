import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDetachedSignedData } from "./cms.js";
import { loadSigner } from "./signer-keys.js";
import { getTestPki, type TestPki } from "../../test/helpers/pdf-pki.js";
import { tool } from "../../test/helpers/pdf-tools.js";

let dir = "";
let pki: TestPki;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bid-hall-cms-"));
  pki = await getTestPki();
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("buildDetachedSignedData", () => {
  it("verifies with openssl cms against the Chinese-named CA", async () => {
    const content = Buffer.from("开标记录表 — signed bytes");
    const signer = loadSigner(pki.platform, [new Date()]);
    const cms = buildDetachedSignedData(content, signer, new Date());
    await writeFile(join(dir, "content.bin"), content);
    await writeFile(join(dir, "sig.der"), cms);
    await writeFile(join(dir, "ca.pem"), pki.ca.certPem);
    const args = ["cms", "-verify", "-binary", "-inform", "DER", "-in", join(dir, "sig.der")];
    args.push("-content", join(dir, "content.bin"), "-CAfile", join(dir, "ca.pem"), "-purpose", "any", "-out", "/dev/null");
    await expect(tool("openssl", args)).resolves.toBeDefined();
  });

  it("fails openssl verification for other content", async () => {
    const signer = loadSigner(pki.platform, [new Date()]);
    await writeFile(join(dir, "sig2.der"), buildDetachedSignedData(Buffer.from("a"), signer, new Date()));
    await writeFile(join(dir, "other.bin"), "b");
    const args = ["cms", "-verify", "-binary", "-inform", "DER", "-in", join(dir, "sig2.der")];
    args.push("-content", join(dir, "other.bin"), "-CAfile", join(dir, "ca.pem"), "-purpose", "any", "-out", "/dev/null");
    await expect(tool("openssl", args)).rejects.toThrow();
  });
});
