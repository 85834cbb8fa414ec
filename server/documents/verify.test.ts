import { describe, expect, it } from "vitest";
import { parsePdfsigOutput } from "./verify.js";

const SAMPLE = `Digital Signature Info of: /tmp/x.pdf
Signature #1:
  - Signature Field Name: expert-1
  - Signer Certificate Common Name: 评标专家 张三
  - Signer full Distinguished Name: CN=评标专家 张三,O=演示公共资源交易中心,C=CN
  - Signing Time: Nov 25 2026 18:34:34
  - Signing Hash Algorithm: SHA-256
  - Signature Type: adbe.pkcs7.detached
  - Signed Ranges: [0 - 64462], [80848 - 86179]
  - Not total document signed
  - Signature Validation: Signature is Valid.
  - Certificate Validation: Certificate is Trusted.
Signature #2:
  - Signature Field Name: platform
  - Signer Certificate Common Name: 电子开评标平台签章
  - Signed Ranges: [0 - 86319], [102705 - 107922]
  - Total document signed
  - Signature Validation: Digest Mismatch.
`;

describe("parsePdfsigOutput", () => {
  it("parses every signature section", () => {
    const [a, b] = parsePdfsigOutput(SAMPLE);
    expect(a).toMatchObject({
      index: 1,
      fieldName: "expert-1",
      signerName: "评标专家 张三",
      hashAlgorithm: "SHA-256",
      signedRanges: [
        [0, 64462],
        [80848, 86179],
      ],
      totalDocumentSigned: false,
      valid: true,
      trusted: true,
      digestMismatch: false,
    });
    expect(b).toMatchObject({ index: 2, valid: false, digestMismatch: true, trusted: false, totalDocumentSigned: true });
    expect(b?.certificateStatus).toBeUndefined();
  });

  it("returns nothing for output without signatures", () => {
    expect(parsePdfsigOutput("File 'x.pdf' does not contain any signatures\n")).toEqual([]);
  });
});
