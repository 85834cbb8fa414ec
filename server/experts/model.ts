// The experts domain's shared model: loaders, the JSON column codecs (validated
// with the contracts' zod schemas), the draw's events and stream keys, and the
// raw SQLite write transaction of the draw's hot path (writeRaw).
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { CommitteeView } from "@contracts/experts";
import { streamKey } from "@contracts/streams";
import type { Actor } from "../audit/chain";
import type { AppContext } from "../context";
import { dbProvider, type Tx } from "../db";
import { AppError } from "../errors";
import type { CommitteeCheck } from "./rules";
import { drawListsPg } from "./pg";
import type { RawDb } from "./raw";

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
export const newToken = () => randomBytes(24).toString("base64url");

/** A draw changed: its live views are rebuilt. */
export const changed = (app: AppContext, drawId: string) => app.events.emit("experts.drawChanged", { drawId });
export const streamsOf = (drawId: string) => ({ agent: streamKey.expertDrawAgent(drawId), supervisor: streamKey.expertDrawSupervisor(drawId) });
/** Who answers by an invitation link. */
export const linkActor = (pickId: string): Actor => ({ kind: "system", id: `invitation:${pickId}`, role: "expert" });

export const onPg = (app: AppContext) => dbProvider(app.db) === "postgresql";
/** A draw's frozen lists (SQLite: the pool's raw connection; PostgreSQL: through `q`). */
export const drawLists = async (app: AppContext, q: Tx, drawId: string): Promise<Uint8Array[]> => (onPg(app) ? drawListsPg(q, drawId) : app.experts.pool().drawLists(drawId));
export const blob = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const isBusy = (err: unknown) => typeof err === "object" && err !== null && String((err as { code?: unknown }).code ?? "").startsWith("SQLITE_BUSY");

/**
 * One write transaction on the raw connection (the draw's hot path: frozen
 * lists, picks, audit). It runs inside a Prisma transaction that does nothing
 * itself: that holds Prisma's single-connection gate, so no Prisma transaction
 * of this process has a read snapshot open meanwhile (it could not upgrade to
 * a write afterwards). A database busy with another process is retried here,
 * asynchronously (the writer's busy_timeout is 0).
 */
export async function writeRaw<T>(app: AppContext, fn: (db: RawDb) => T): Promise<T> {
  return app.db.$transaction(
    async () => {
      const db = app.experts.writer();
      const run = db.transaction(() => fn(db));
      for (let attempt = 0; ; attempt++) {
        try {
          return run.immediate();
        } catch (err) {
          if (!isBusy(err) || attempt >= 400) throw err;
          await new Promise((r) => setTimeout(r, 5 + Math.min(attempt, 20)));
        }
      }
    },
    { timeout: 20_000, maxWait: 20_000 },
  );
}

// ── loaders ──

export async function loadProject(app: AppContext, projectId: string) {
  const project = await app.db.project.findUnique({ where: { id: projectId }, include: { lots: true } });
  if (!project) throw new AppError("NOT_FOUND", `No project ${projectId}`);
  return project;
}

export async function loadDraw(app: AppContext, drawId: string) {
  const draw = await app.db.expertDraw.findUnique({ where: { id: drawId } });
  if (!draw) throw new AppError("NOT_FOUND", `No expert draw ${drawId}`);
  return { draw, project: await loadProject(app, draw.projectId) };
}

/** The pick an invitation link names (by its token's hash) and its draw. */
export async function pickByToken(app: AppContext, token: string) {
  const pick = await app.db.expertPick.findUnique({ where: { tokenHash: sha256(token) } });
  if (!pick) throw new AppError("NOT_FOUND", "Unknown invitation (the link is wrong or was replaced)");
  const draw = await app.db.expertDraw.findUniqueOrThrow({ where: { id: pick.drawId } });
  return { pick, draw };
}

// ── JSON columns ──

/** ExpertDraw.committee; rows written before `basis` existed kept an English `rule` sentence instead. */
const StoredCommittee = CommitteeView.extend({ basis: CommitteeView.shape.basis.optional(), rule: z.string().optional() });

/**
 * The committee as the draw row keeps it (JSON). A row without `basis` has its
 * basis read back from its `rule` sentence (the page words the rule from the basis).
 */
export function storedCommittee(json: string): CommitteeCheck {
  const { rule, basis, ...rest } = StoredCommittee.parse(JSON.parse(json));
  if (basis) return { ...rest, basis };
  const wan = /budget of (\d+(?:\.\d+)?) 万元/.exec(rule ?? "");
  if (wan) return { ...rest, basis: "large-procurement", thresholdFen: Math.round(Number(wan[1]) * 1_000_000) };
  return { ...rest, basis: /negotiation or consultation/.test(rule ?? "") ? "consultation" : "tender-law" };
}

/** ExpertDrawBucket.excluded: how many experts each exclusion reason removed from the bucket. */
const StoredExcluded = z.record(z.string(), z.number());
export const storedExcluded = (json: string | null | undefined): Record<string, number> => StoredExcluded.parse(JSON.parse(json ?? "{}"));
