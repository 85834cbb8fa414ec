// The committee's members as people: drawn experts (a seated pick of the draw)
// and the tenderer's representatives (招标人代表, kind owner-rep: named by the agent
// when the evaluation starts, never drawn, never in the pool's statistics).
//
// Both sign in at an expert terminal through the same commands
// (experts:signInStart / experts:signInFinish: ID number + one-time code sent to
// the phone). A representative's seat and code live in EvalOwnerRep; the
// experts' handlers ask here first (ownerRepSignInStart/Finish answer null when
// the ID number is no representative's of a live session in the terminal's room).
import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { appendAudit } from "../audit/chain";
import { actorOf, type Principal } from "../auth/principal";
import type { AppContext } from "../context";
import type { Db, Tx } from "../db";
import { AppError } from "../errors";
import { maskMobile } from "../experts/identity";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const OTP_TTL_MS = 5 * 60_000;
const OTP_RESEND_MS = 60_000;
const OTP_MAX_TRIES = 5;

export const OWNER_REP_LABEL = "招标人代表";

/** How a member sits: signed in or not, and at which terminal (from the pick, or from the representative's row). */
export interface Seating {
  state: string;
  signedInDevice: string | null;
}
/** Who a member is, for names on screens and in the report. */
export interface Person {
  kind: "expert" | "owner-rep";
  name: string;
  employer: string;
}

type MemberRow = NonNullable<Awaited<ReturnType<Db["evalMember"]["findUnique"]>>>;

/** Every member of a session (seat order) with its seating and person. */
export async function committeeOf(db: Db | Tx, sessionId: string) {
  const members = await db.evalMember.findMany({ where: { sessionId }, orderBy: { seat: "asc" } });
  return withPeople(db, sessionId, members);
}

export async function withPeople(db: Db | Tx, sessionId: string, members: MemberRow[]) {
  const pickIds = members.flatMap((m) => (m.pickId ? [m.pickId] : []));
  const expertIds = members.flatMap((m) => (m.expertId !== null ? [m.expertId] : []));
  const [picks, experts, reps] = await Promise.all([
    pickIds.length ? db.expertPick.findMany({ where: { id: { in: pickIds } } }) : Promise.resolve([]),
    expertIds.length ? db.expert.findMany({ where: { id: { in: expertIds } }, select: { id: true, name: true, employerName: true } }) : Promise.resolve([]),
    members.some((m) => m.kind === "owner-rep") ? db.evalOwnerRep.findMany({ where: { sessionId } }) : Promise.resolve([]),
  ]);
  const pickOf = new Map(picks.map((p) => [p.id, p]));
  const expertOf = new Map(experts.map((e) => [e.id, e]));
  const repOf = new Map(reps.map((r) => [r.memberId, r]));
  return members.map((m) => {
    if (m.kind === "owner-rep") {
      const r = repOf.get(m.id);
      const pick: Seating = { state: r?.signedInAt ? "signed-in" : "accepted", signedInDevice: r?.signedInDevice ?? null };
      const person: Person = { kind: "owner-rep", name: r?.name ?? "", employer: r?.employer ?? "" };
      return { m, pick, person };
    }
    const p = m.pickId ? pickOf.get(m.pickId) : undefined;
    const e = m.expertId !== null ? expertOf.get(m.expertId) : undefined;
    const pick: Seating = { state: p?.state ?? "cancelled", signedInDevice: p?.signedInDevice ?? null };
    const person: Person = { kind: "expert", name: e?.name ?? "", employer: e?.employerName ?? "" };
    return { m, pick, person };
  });
}

// ── sign-in of a representative at an expert terminal ──

async function repAtTerminal(app: AppContext, principal: Principal, residentId: string) {
  if (principal.kind !== "device" || principal.deviceKind !== "expert-terminal") return null;
  const idHash = app.experts.ids.hash(residentId);
  const reps = await app.db.evalOwnerRep.findMany({ where: { idHash } });
  for (const rep of reps) {
    const member = await app.db.evalMember.findUnique({ where: { id: rep.memberId } });
    if (!member || member.roomId !== principal.roomId || member.state === "recused") continue;
    const s = await app.db.evalSession.findUnique({ where: { id: rep.sessionId } });
    if (!s || (s.status !== "running" && s.status !== "paused")) continue;
    return { rep, member, s, device: principal };
  }
  return null;
}

/** experts:signInStart for a representative: a code to the phone given by the agent. Null: not a representative here. */
export async function ownerRepSignInStart(app: AppContext, principal: Principal, residentId: string) {
  const seat = await repAtTerminal(app, principal, residentId);
  if (!seat) return null;
  const { rep, s } = seat;
  if (rep.signedInAt) throw new AppError("ALREADY_SIGNED_IN", "This representative has already signed in");
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  const now = new Date();
  const expiresAt = new Date(now.getTime() + OTP_TTL_MS);
  await app.db.$transaction(async (tx) => {
    const r = await tx.evalOwnerRep.findUniqueOrThrow({ where: { memberId: rep.memberId } });
    if (r.otpSentAt && now.getTime() - r.otpSentAt.getTime() < OTP_RESEND_MS) {
      const wait = Math.ceil((OTP_RESEND_MS - (now.getTime() - r.otpSentAt.getTime())) / 1000);
      throw new AppError("RATE_LIMITED", `A code was sent less than a minute ago; ask again in ${wait} s`, [{ path: "residentId", message: `retry after ${new Date(r.otpSentAt.getTime() + OTP_RESEND_MS).toISOString()}` }]);
    }
    await tx.evalOwnerRep.update({ where: { memberId: rep.memberId }, data: { otpHash: sha256(`${rep.memberId}:${code}`), otpExpiresAt: expiresAt, otpTries: 0, otpSentAt: now } });
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.ownerRepSignInCode", target: `evaluation:${s.id}`, payload: { seat: seat.member.seat, expiresAt: expiresAt.toISOString() } });
  });
  const lot = await app.db.lot.findUniqueOrThrow({ where: { id: s.lotId }, include: { project: true } });
  const mobile = app.box.open(rep.mobileCipher);
  try {
    await app.experts.notifier.send({
      kind: "sign-in-code",
      to: mobile,
      text: `【评标签到】项目 ${lot.project.code} 招标人代表签到验证码 ${code}，5 分钟内有效。请勿告诉他人。`,
      drawId: s.drawId,
      pickId: `owner-rep:${rep.memberId}`,
      projectCode: lot.project.code,
      code,
    });
  } catch (err) {
    app.log.warn({ err, memberId: rep.memberId }, "representative's sign-in code not delivered");
    throw new AppError("NOTIFY_FAILED", "The code could not be sent; try again");
  }
  return { sent: true as const, mobileMasked: maskMobile(mobile), expiresAt: expiresAt.toISOString() };
}

/** experts:signInFinish for a representative. Null: not a representative here. */
export async function ownerRepSignInFinish(app: AppContext, principal: Principal, residentId: string, code: string) {
  const seat = await repAtTerminal(app, principal, residentId);
  if (!seat) return null;
  const { rep, member, s, device } = seat;
  if (rep.signedInAt) throw new AppError("ALREADY_SIGNED_IN", "This representative has already signed in");
  if (!rep.otpHash || !rep.otpExpiresAt || rep.otpExpiresAt.getTime() <= Date.now()) throw new AppError("CODE_EXPIRED", "No valid code: ask for a new one");
  if (rep.otpTries >= OTP_MAX_TRIES) throw new AppError("CODE_LOCKED", "Too many wrong codes: ask for a new one");
  if (!timingSafeEqual(Buffer.from(sha256(`${rep.memberId}:${code}`)), Buffer.from(rep.otpHash))) {
    await app.db.evalOwnerRep.update({ where: { memberId: rep.memberId }, data: { otpTries: { increment: 1 } } });
    throw new AppError("CODE_WRONG", `Wrong code (${OTP_MAX_TRIES - rep.otpTries - 1} tries left)`);
  }
  const dev = device as Extract<Principal, { kind: "device" }>;
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.evalOwnerRep.updateMany({ where: { memberId: rep.memberId, otpHash: rep.otpHash, signedInAt: null }, data: { signedInAt: new Date(), signedInDevice: dev.deviceId, otpHash: null, otpExpiresAt: null } });
    if (count !== 1) throw new AppError("ALREADY_SIGNED_IN", "This representative has already signed in");
    await appendAudit(tx, { actor: actorOf(principal), action: "evaluation.ownerRepSignIn", target: `evaluation:${s.id}`, payload: { seat: member.seat, device: dev.code } });
  });
  app.events.emit("evaluation.changed", { sessionId: s.id, roomIds: (await app.db.evalSite.findMany({ where: { sessionId: s.id } })).map((x) => x.roomId) });
  const lot = await app.db.lot.findUniqueOrThrow({ where: { id: s.lotId }, include: { project: true } });
  const site = await app.db.evalSite.findUniqueOrThrow({ where: { sessionId_roomId: { sessionId: s.id, roomId: member.roomId } } });
  const room = await app.db.room.findUnique({ where: { id: member.roomId } });
  return {
    name: rep.name,
    projectCode: lot.project.code,
    seat: member.seat,
    specialty: { code: "owner-rep", name: OWNER_REP_LABEL },
    site: { roomName: room?.name ?? "", role: site.role as "main" | "secondary" },
  };
}
