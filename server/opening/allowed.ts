// Which stage commands the agent may give now: the one rule. The commands
// (session.ts, decryption.ts) load the facts inside their transaction and call
// `assertAllowed`; the agent's stream `opening:<lotId>:agent` sends the same
// answer for every command, so the console enables exactly what would succeed.
import { AgentCommand, DrawConfig, Stage, type AgentCommandState } from "@contracts/opening";
import type { Db, Tx } from "../db";
import { AppError } from "../errors";

/** The agent's stage commands, in the order of the opening (the contract's enum). */
export const AGENT_COMMANDS: readonly AgentCommand[] = AgentCommand.options;

/** Bids being decrypted right now in this process (decryption.ts keeps it): still pending for an early end. */
export const decryptingNow = new Set<string>();

export interface PendingBid {
  bidId: string;
  companyName: string;
  /** sealed: no key handed in yet; decrypting: a key is being tried right now. */
  why: "sealed" | "decrypting";
}

export interface OpeningFacts {
  now: Date;
  lot: { id: string; status: string; openingTime: Date; roomId: string; draw: DrawConfig };
  /** Another lot's opening that is not closed in the same room. */
  roomBusy: boolean;
  session: {
    id: string;
    stage: Stage;
    decryptEndsAt: Date | null;
    confirmEndsAt: Date | null;
    drawSeedHash: string | null;
    drawRevealed: boolean;
  } | null;
  /** Live bids still waiting for a decryption (neither decrypted, nor failed, nor tried in vain, nor given up). */
  pending: PendingBid[];
  liveBids: number;
  answered: number;
  openObjections: number;
}

/** Everything the rule looks at, read through `db` (inside the command's transaction when it is one). */
export async function loadFacts(db: Db | Tx, lotId: string, now = new Date()): Promise<OpeningFacts> {
  const lot = await db.lot.findUnique({ where: { id: lotId }, include: { session: true } });
  if (!lot) throw new AppError("NOT_FOUND", `No lot ${lotId}`);
  const s = lot.session;
  const busy = await db.openingSession.findFirst({ where: { lot: { roomId: lot.roomId }, stage: { not: "closed" }, lotId: { not: lotId } }, select: { id: true } });
  const bids = await db.bid.findMany({
    where: { lotId, status: { notIn: ["replaced", "withdrawn"] } },
    orderBy: { submittedAt: "asc" },
    select: { id: true, companyId: true, status: true, decryptTries: true, lastError: true },
  });
  const waiting = bids.filter((b) => b.status === "sealed" && (decryptingNow.has(b.id) || b.decryptTries === 0 || !b.lastError));
  const names = new Map(
    (await db.company.findMany({ where: { id: { in: waiting.map((b) => b.companyId) } }, select: { id: true, name: true } })).map((c) => [c.id, c.name]),
  );
  return {
    now,
    lot: { id: lot.id, status: lot.status, openingTime: lot.openingTime, roomId: lot.roomId, draw: DrawConfig.parse(JSON.parse(lot.drawParams)) },
    roomBusy: !!busy,
    session: s
      ? {
          id: s.id,
          stage: Stage.parse(s.stage),
          decryptEndsAt: s.decryptEndsAt,
          confirmEndsAt: s.confirmEndsAt,
          drawSeedHash: s.drawSeedHash,
          drawRevealed: !!s.drawResult,
        }
      : null,
    pending: waiting.map((b) => ({ bidId: b.id, companyName: names.get(b.companyId) ?? "", why: decryptingNow.has(b.id) ? "decrypting" : "sealed" })),
    liveBids: bids.length,
    answered: s ? await db.confirmation.count({ where: { sessionId: s.id } }) : 0,
    openObjections: s ? await db.objection.count({ where: { sessionId: s.id, answeredAt: null } }) : 0,
  };
}

type Refusal = { error: AppError; from?: Date };
const no = (code: string, message: string, details?: { path: string; message: string }[], from?: Date): Refusal => ({
  error: new AppError(code, message, details),
  ...(from ? { from } : {}),
});
const stageIs = (f: OpeningFacts, ...stages: Stage[]) =>
  !f.session
    ? no("SESSION_NOT_OPEN", "The opening of this lot has not started")
    : stages.includes(f.session.stage)
      ? null
      : no("STAGE_CONFLICT", `Not at this stage (now: ${f.session.stage})`);

/** True when the decryption window's time is over (or it has none). */
export const windowOver = (f: OpeningFacts) => !f.session?.decryptEndsAt || f.now >= f.session.decryptEndsAt;

/** The rule: why `command` would be refused now, or null when it would be accepted. */
export function refusal(f: OpeningFacts, command: AgentCommand): Refusal | null {
  const s = f.session;
  switch (command) {
    case "opening:open":
      if (s) return no("STAGE_CONFLICT", "The opening was already started");
      if (f.lot.status !== "accepting") return no("STAGE_CONFLICT", `The lot is ${f.lot.status}`);
      if (f.roomBusy) return no("ROOM_BUSY", "Another opening is on in this room");
      if (f.now < f.lot.openingTime) return no("TOO_EARLY", `The opening time is ${f.lot.openingTime.toISOString()}`, undefined, f.lot.openingTime);
      return null;
    case "opening:publishBidders":
      return stageIs(f, "signin");
    case "opening:startDecryption":
      return stageIs(f, "bidders-published");
    case "opening:endDecryption": {
      const r = stageIs(f, "decrypting");
      if (r || windowOver(f) || f.pending.length === 0) return r;
      return no(
        "WINDOW_STILL_OPEN",
        `The window is open and ${f.pending.length} bid(s) are still pending: ${f.pending.map((p) => `${p.companyName} (${p.why})`).join(", ")}`,
        f.pending.map((p) => ({ path: p.bidId, message: p.companyName })),
        s!.decryptEndsAt ?? undefined,
      );
    }
    case "opening:startDraw":
      if (s && !s.drawSeedHash) return no("NO_DRAW", "This lot has no random draw");
      return stageIs(f, "announcing");
    case "opening:revealDraw":
      if (s && !s.drawSeedHash) return no("NO_DRAW", "This lot has no random draw");
      if (s?.drawRevealed) return no("STAGE_CONFLICT", "The draw was already revealed");
      return stageIs(f, "drawing");
    case "opening:startConfirmation":
      if (f.lot.draw.kind === "none" || !s?.drawSeedHash) return stageIs(f, "announcing");
      if (s.stage === "drawing" && !s.drawRevealed) return no("DRAW_PENDING", "Carry out the random draw first");
      return stageIs(f, "drawing");
    case "opening:close": {
      const r = stageIs(f, "confirming");
      if (r) return r;
      const timeOver = !s!.confirmEndsAt || f.now >= s!.confirmEndsAt;
      if (f.answered < f.liveBids && !timeOver) {
        // allowed at the time limit only if no objection waits for its answer by then
        const from = f.openObjections === 0 ? s!.confirmEndsAt! : undefined;
        return no("CONFIRMATION_PENDING", `${f.liveBids - f.answered} bidder(s) have not answered and the time is not over`, undefined, from);
      }
      if (f.openObjections > 0) return no("OBJECTION_PENDING", `${f.openObjections} objection(s) still need an answer on the record`);
      return null;
    }
  }
}

/** Throws the refusal of `command`, if any. */
export function assertAllowed(f: OpeningFacts, command: AgentCommand): void {
  const r = refusal(f, command);
  if (r) throw r.error;
}

/** Every command with its answer now: what the agent's stream sends. */
export function commandStates(f: OpeningFacts): AgentCommandState[] {
  return AGENT_COMMANDS.map((command) => {
    const r = refusal(f, command);
    return r
      ? { command, allowed: false, refusal: { code: r.error.code, message: r.error.message, companies: (r.error.details ?? []).map((d) => d.message) }, allowedFrom: r.from ? r.from.toISOString() : null }
      : { command, allowed: true, refusal: null, allowedFrom: null };
  });
}
