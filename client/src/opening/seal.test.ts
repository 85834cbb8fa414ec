// The bidder page's sealing path end to end in Node (same code as the
// browser): form → bid.json → ZIP → sealed for the company and escrow
// certificates → content key recovered from the .p7m copy with the .p12 or
// the PEM key, equal to what the server-side unwrap gets.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { strFromU8, unzipSync } from "fflate";
import { creditCodeCheckChar } from "@contracts/ids";
import { findRecipient, inspectEnvelope, unwrapKey } from "@sealing/index";
import { bidderP12Password, makePki, opensslOpen, type Pki } from "../../../test/helpers/sealing-pki";
import { buildBidZip, emptyBidForm, toBidJson } from "./bidForm";
import { recoverKeyHex, sealZip, sealingErrorCode } from "./seal";

let pki: Pki;
beforeAll(() => {
  pki = makePki();
}, 60_000);
afterAll(() => pki.cleanup());

describe("sealing in the bidder page", () => {
  it("seals the form's ZIP for bidder and escrow; the key comes back from the .p12 and the PEM", async () => {
    const credit = "91320500MA1HJ0001" + creditCodeCheckChar("91320500MA1HJ0001");
    const lot = { code: "L-01", bidFields: [] };
    const mapped = toBidJson({ ...emptyBidForm(credit), priceYuan: "9650000", durationDays: "180" }, lot);
    if (!mapped.ok) throw new Error("form");
    const zip = buildBidZip(mapped.json, [{ name: "技术标.pdf", bytes: new TextEncoder().encode("%PDF-1.4") }]);
    const envelope = sealZip(zip, [pki.bidder.certPem, pki.escrow.certPem]);
    const file = join(pki.dir, "bid.p7m");
    writeFileSync(file, envelope);

    // openssl opens it for both recipients, and the plaintext is the ZIP with our bid.json.
    for (const party of [pki.bidder, pki.escrow]) {
      const plain = opensslOpen(file, party);
      expect(JSON.parse(strFromU8(unzipSync(new Uint8Array(plain))["bid.json"]!))).toMatchObject({ price: "9650000.00", lotCode: "L-01" });
    }

    const expected = unwrapKey(findRecipient(await inspectEnvelope(file), pki.bidder.certPem), pki.bidder.keyPem).toString("hex");
    const blob = new Blob([envelope as Uint8Array<ArrayBuffer>]);
    const p12 = new Uint8Array(readFileSync(pki.bidder.p12));
    expect(await recoverKeyHex(blob, { kind: "p12", p12, password: bidderP12Password })).toBe(expected);
    expect(await recoverKeyHex(blob, { kind: "pem", privateKeyPem: pki.bidder.keyPem })).toBe(expected);

    const wrong = await recoverKeyHex(blob, { kind: "p12", p12, password: "wrong" }).catch((e: unknown) => e);
    expect(sealingErrorCode(wrong)).toBe("PRIVATE_KEY_INVALID");
    const other = await recoverKeyHex(blob, { kind: "pem", privateKeyPem: pki.other.keyPem }).catch((e: unknown) => e);
    expect(sealingErrorCode(other)).toMatch(/ENVELOPE_NOT_FOR_RECIPIENT|ENVELOPE_UNWRAP_FAILED/);
  }, 60_000);
});
