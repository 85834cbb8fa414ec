// signInFinish: the one-time code proves the seat; only then is the name
// unsealed in the agent's and supervisors' views.
import { appendAudit } from "../../audit/chain";
import { actorOf, type Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { AppError } from "../../errors";
import { changed } from "../model";
import { checkCode, seatAtTerminal } from "../terminal";

export async function signInFinish(app: AppContext, principal: Principal, residentId: string, code: string) {
  const { expert, pick, draw, bucket, device } = await seatAtTerminal(app, principal, residentId);
  if (pick.state === "signed-in") throw new AppError("ALREADY_SIGNED_IN", "This expert has already signed in");
  await checkCode(app, pick, code);
  const now = new Date();
  await app.db.$transaction(async (tx) => {
    const { count } = await tx.expertPick.updateMany({
      where: { id: pick.id, otpHash: pick.otpHash, state: { in: ["notified", "accepted"] } },
      data: {
        state: "signed-in",
        signedInAt: now,
        signedInDevice: device.deviceId,
        otpHash: null,
        otpExpiresAt: null,
        ...(pick.state === "notified" ? { answeredAt: now, answerVia: "terminal" } : {}),
      },
    });
    if (count !== 1) throw new AppError("ALREADY_SIGNED_IN", "This expert has already signed in");
    await appendAudit(tx, { actor: actorOf(principal), action: "experts.signIn", target: `expert-draw:${draw.id}`, payload: { seq: pick.seq, device: device.code } });
  });
  app.timers.cancel(`expert-answer:${pick.id}`);
  changed(app, draw.id);
  const project = await app.db.project.findUniqueOrThrow({ where: { id: draw.projectId } });
  const specialty = await app.db.expertSpecialty.findUnique({ where: { code: bucket.specialtyCode } });
  const room = await app.db.room.findUnique({ where: { id: bucket.roomId } });
  const seat = (await app.db.expertPick.count({ where: { drawId: draw.id, bucketIndex: pick.bucketIndex, seq: { lte: pick.seq } } }));
  return {
    name: expert.name,
    projectCode: project.code,
    seat,
    specialty: { code: bucket.specialtyCode, name: specialty?.name ?? "" },
    site: { roomName: room?.name ?? "", role: bucket.siteRole as "main" | "secondary" },
  };
}

