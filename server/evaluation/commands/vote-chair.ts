// A vote for the committee's chair (组长); the round's last vote elects, or a tie opens a new round (rules.ts tallyLeaders).
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { changed, memberAt, chairCandidates } from "../model";
import { assertRunning, assertStep, tallyLeaders } from "../rules";

export async function voteChair(app: AppContext, principal: Principal, input: { sessionId: string; round: number; candidateMemberId: string }) {
  const { s, member, all } = await memberAt(app, principal, input.sessionId);
  assertRunning(s);
  assertStep(s, "chair");
  if (s.chairMemberId) throw new AppError("ALREADY_DONE", "The chair is elected");
  if (input.round !== s.chairRound) throw new AppError("STALE_ROUND", `The vote is in round ${s.chairRound}`);
  const active = all.filter((x) => x.m.state !== "recused").map((x) => x.m.id);
  const candidates = await chairCandidates(app.db, s, active);
  if (!candidates.includes(input.candidateMemberId)) throw new AppError("NOT_A_CANDIDATE", "Not a candidate in this round");
  let result = { round: s.chairRound, votes: 0, of: active.length, chairMemberId: null as string | null, newRound: false };
  await app.db.$transaction(async (tx) => {
    const exists = await tx.evalVote.findUnique({ where: { sessionId_round_voterId: { sessionId: s.id, round: s.chairRound, voterId: member.id } } });
    if (exists) throw new AppError("ALREADY_VOTED", "Already voted in this round");
    await tx.evalVote.create({ data: { sessionId: s.id, round: s.chairRound, voterId: member.id, candidateId: input.candidateMemberId } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.voteChair", target: `evaluation:${s.id}`, payload: { round: s.chairRound, seat: member.seat } });
    const votes = await tx.evalVote.findMany({ where: { sessionId: s.id, round: s.chairRound } });
    result.votes = votes.length;
    if (votes.length < active.length) return;
    const { top, leaders } = tallyLeaders(votes);
    if (leaders.length === 1) {
      await tx.evalSession.update({ where: { id: s.id }, data: { chairMemberId: leaders[0]! } });
      const seat = all.find((x) => x.m.id === leaders[0])!.m.seat;
      await appendAudit(tx, { actor: { kind: "system", id: "evaluation", role: "system" }, action: "evaluation.chairElected", target: `evaluation:${s.id}`, payload: { round: s.chairRound, seat, votes: top } });
      result = { ...result, chairMemberId: leaders[0]! };
    } else {
      await tx.evalSession.update({ where: { id: s.id }, data: { chairRound: s.chairRound + 1 } });
      await appendAudit(tx, { actor: { kind: "system", id: "evaluation", role: "system" }, action: "evaluation.chairTie", target: `evaluation:${s.id}`, payload: { round: s.chairRound, tied: leaders.length, votes: top } });
      result = { ...result, newRound: true };
    }
  });
  await changed(app, s.id);
  return result;
}
