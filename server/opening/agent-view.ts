// The agent's live view of one lot, `opening:<lotId>:agent`: every stage
// command with the server's answer now (allowed.ts, the one rule), so the
// console enables exactly the buttons that would succeed and says why not.
import type { OpeningAgentState } from "@contracts/opening";
import type { Db } from "../db";
import { parserOf, type StreamKind } from "../live/streams";
import { commandStates, loadFacts } from "./allowed";

/** When the agent ended the decryption window before its time (the audit row of that early end), else null. */
export async function decryptionEndedEarlyAt(db: Db, lotId: string): Promise<Date | null> {
  const row = await db.auditEvent.findFirst({ where: { action: "opening.endDecryptionEarly", target: `lot:${lotId}` }, orderBy: { seq: "desc" }, select: { at: true } });
  return row?.at ?? null;
}

export async function buildOpeningAgent(db: Db, lotId: string): Promise<OpeningAgentState> {
  const facts = await loadFacts(db, lotId);
  const early = await decryptionEndedEarlyAt(db, lotId);
  return {
    lotId,
    lotStatus: facts.lot.status as OpeningAgentState["lotStatus"],
    stage: facts.session?.stage ?? null,
    commands: commandStates(facts),
    decryptionEndedEarlyAt: early ? early.toISOString() : null,
  };
}

export function openingAgentStream(db: Db): StreamKind<{ lotId: string }> {
  return {
    prefix: "opening-agent",
    parse: parserOf("openingAgent"),
    async authorize(p, { lotId }) {
      const lot = await db.lot.findUnique({ where: { id: lotId }, select: { project: { select: { agentUserId: true } } } });
      if (!lot) return "not-found";
      return p.kind === "user" && (p.role === "admin" || (p.role === "agent" && p.userId === lot.project.agentUserId));
    },
    build: ({ lotId }) => buildOpeningAgent(db, lotId),
    minIntervalMs: 200,
  };
}
