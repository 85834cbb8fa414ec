// Bidder companies and their certificates (the identity a bid is sealed to).
import { X509Certificate, createHash } from "node:crypto";
import type { CertificateView } from "@contracts/opening";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import type { Db } from "../db";
import { AppError } from "../errors";

export async function createCompany(app: AppContext, principal: Principal, input: { name: string; creditCode: string; contact: string }) {
  const center = await app.db.center.findFirstOrThrow({ orderBy: { createdAt: "asc" } });
  if (await app.db.company.findUnique({ where: { creditCode: input.creditCode } })) {
    throw new AppError("CONFLICT", `A company with credit code ${input.creditCode} exists`);
  }
  const c = await app.db.$transaction(async (tx) => {
    const row = await tx.company.create({ data: { centerId: center.id, ...input } });
    await appendAudit(tx, { actor: actorOf(principal), action: "company.create", target: `company:${row.id}`, payload: input });
    return row;
  });
  return { id: c.id, name: c.name, creditCode: c.creditCode, contact: c.contact };
}

/** PEM text or base64 DER → a parsed certificate, or CERTIFICATE_INVALID. */
export function readCertificate(text: string): X509Certificate {
  const t = text.trim();
  try {
    if (t.startsWith("-----BEGIN")) return new X509Certificate(t);
    if (!/^[A-Za-z0-9+/=\s]+$/.test(t)) throw new Error("not base64");
    return new X509Certificate(Buffer.from(t, "base64"));
  } catch {
    throw new AppError("CERTIFICATE_INVALID", "Not an X.509 certificate (PEM, or DER as base64)");
  }
}

export function certificateView(row: {
  id: string; companyId: string; subject: string; issuer: string; serialHex: string; sha256: string; notBefore: Date; notAfter: Date; pem: string;
}, openingTimes: Date[] = []): CertificateView {
  const warnings: string[] = [];
  const expiresBefore = openingTimes.filter((t) => row.notAfter < t).sort((a, b) => a.getTime() - b.getTime())[0];
  if (expiresBefore) warnings.push(`证书将于开标前到期 / expires before the opening on ${expiresBefore.toISOString()}`);
  return { ...row, notBefore: row.notBefore.toISOString(), notAfter: row.notAfter.toISOString(), warnings };
}

export async function addCertificate(app: AppContext, principal: Principal, input: { companyId: string; certificate: string }): Promise<CertificateView> {
  if (principal.kind !== "user") throw new AppError("FORBIDDEN", "Only people may register certificates");
  if (principal.role === "bidder" && principal.companyId !== input.companyId) {
    throw new AppError("FORBIDDEN", "A bidder registers certificates for its own company only");
  }
  if (!["bidder", "admin", "agent"].includes(principal.role)) throw new AppError("FORBIDDEN", "Not allowed to register certificates");
  const company = await app.db.company.findUnique({ where: { id: input.companyId } });
  if (!company) throw new AppError("NOT_FOUND", `No company ${input.companyId}`);
  const x = readCertificate(input.certificate);
  const now = new Date();
  const notBefore = new Date(x.validFrom);
  const notAfter = new Date(x.validTo);
  if (notAfter <= now) throw new AppError("CERTIFICATE_EXPIRED", `Certificate expired on ${notAfter.toISOString()}`);
  if (notBefore > now) throw new AppError("CERTIFICATE_NOT_YET_VALID", `Certificate is valid only from ${notBefore.toISOString()}`);
  if (x.publicKey.asymmetricKeyType !== "rsa") throw new AppError("CERTIFICATE_INVALID", "Only RSA certificates can receive sealed bids");
  const pem = x.toString();
  const sha256 = createHash("sha256").update(x.raw).digest("hex");
  if (await app.db.certificate.findUnique({ where: { sha256 } })) throw new AppError("CONFLICT", "This certificate is already registered");
  const row = await app.db.$transaction(async (tx) => {
    const r = await tx.certificate.create({
      data: { companyId: company.id, pem, sha256, subject: x.subject, issuer: x.issuer, serialHex: x.serialNumber.toLowerCase(), notBefore, notAfter },
    });
    await appendAudit(tx, { actor: actorOf(principal), action: "certificate.add", target: `company:${company.id}`, payload: { sha256 } });
    return r;
  });
  const upcoming = await app.db.lot.findMany({ where: { status: "accepting", openingTime: { gt: now } }, select: { openingTime: true } });
  return certificateView(row, upcoming.map((l) => l.openingTime));
}

export async function listCertificates(db: Db, principal: Principal, companyId: string): Promise<CertificateView[]> {
  if (principal.kind !== "user") throw new AppError("FORBIDDEN", "Only people may list certificates");
  if (principal.role === "bidder" && principal.companyId !== companyId) throw new AppError("FORBIDDEN", "Not your company");
  const rows = await db.certificate.findMany({ where: { companyId }, orderBy: { createdAt: "asc" } });
  const upcoming = await db.lot.findMany({ where: { status: "accepting" }, select: { openingTime: true } });
  return rows.map((r) => certificateView(r, upcoming.map((l) => l.openingTime)));
}
