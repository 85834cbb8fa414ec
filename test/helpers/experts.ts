// Test fixtures for the experts domain: the sample specialty tree and a pool of
// synthetic experts imported through the real importer.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestApp } from "./app";
import { ensureSampleTree } from "../../server/experts/specialties";
import { importExperts } from "../../server/experts/importer";
import { CSV_HEADER, csvLine, syntheticExperts, type SynthExpert } from "../../server/experts/synth";

export const cliActor = { kind: "system" as const, id: "test", role: "admin" };

/** n synthetic experts with the given specialties and cities (deterministic per seed). */
export function makeExperts(n: number, specialties: string[], opts: { seed?: number; cities?: number[]; inactive?: number } = {}): SynthExpert[] {
  return [...syntheticExperts(n, { specialties, seed: opts.seed ?? 7, cities: opts.cities ?? [5], inactive: opts.inactive ?? 0 })];
}

/** Imports the experts (all-or-nothing) and returns residentId → expert number. */
export async function seedPool(t: TestApp, experts: SynthExpert[]): Promise<Map<string, number>> {
  await ensureSampleTree(t.app.db, cliActor);
  const file = join(t.dir, `pool-${Date.now()}-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, [CSV_HEADER, ...experts.map(csvLine)].join("\n") + "\n");
  const report = await importExperts(
    { databaseUrl: t.config.databaseUrl, box: t.app.ctx.box, ids: t.app.ctx.experts.ids },
    { file, format: "csv", policy: "all-or-nothing", actor: cliActor },
  );
  if (!report.committed) throw new Error(`seedPool: ${JSON.stringify(report.errors.slice(0, 5))}`);
  const rows = await t.app.db.expert.findMany({ where: { idHash: { in: experts.map((e) => t.app.ctx.experts.ids.hash(e.residentId)) } }, select: { id: true, idHash: true } });
  const byHash = new Map(rows.map((r) => [r.idHash, r.id]));
  return new Map(experts.map((e) => [e.residentId, byHash.get(t.app.ctx.experts.ids.hash(e.residentId))!]));
}

/** A Bid row for a company on a lot (only the bidder list matters to the draw). */
export async function fakeBid(t: TestApp, lotId: string, companyId: string) {
  await t.app.db.bid.create({
    data: { lotId, companyId, status: "sealed", filePath: "/dev/null", sha256: "0".repeat(64), sizeBytes: 0n, submittedAt: new Date(), receipt: "{}", signature: "" },
  });
}

/** The proof an invitation answer needs: the last 4 characters of the invited expert's ID number (found by the message's mobile). */
export function idLast4For(pool: readonly { mobile: string; residentId: string }[], mobile: string): string {
  const e = pool.find((x) => x.mobile === mobile);
  if (!e) throw new Error(`idLast4For: no expert with mobile ${mobile}`);
  return e.residentId.slice(-4);
}
