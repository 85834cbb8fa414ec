// Small secrets kept at rest (a draw's seed before it is revealed, escrow
// shares until their supervisor collects them): AES-256-GCM under a key
// derived from APP_SECRET with HKDF.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export class SecretBox {
  private readonly key: Buffer;
  constructor(appSecret: string, purpose = "bid-hall/sealed-at-rest/v1") {
    this.key = Buffer.from(hkdfSync("sha256", appSecret, "", purpose, 32));
  }
  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([c.update(plain, "utf8"), c.final()]);
    return `v1.${iv.toString("base64url")}.${body.toString("base64url")}.${c.getAuthTag().toString("base64url")}`;
  }
  open(sealed: string): string {
    const [v, iv, body, tag] = sealed.split(".");
    if (v !== "v1" || !iv || !body || !tag) throw new Error("not a sealed secret");
    const d = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
    d.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([d.update(Buffer.from(body, "base64url")), d.final()]).toString("utf8");
  }
}
