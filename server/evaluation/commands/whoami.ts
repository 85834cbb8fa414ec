// The member signed in at this expert terminal: name, seat, site and the streams to follow.
import { streamKey } from "@contracts/streams";
import type { Principal } from "../../auth/principal";
import type { AppContext } from "../../context";
import { memberAt } from "../model";

export async function whoami(app: AppContext, principal: Principal, sessionId: string) {
  const { member, person } = await memberAt(app, principal, sessionId);
  const site = await app.db.evalSite.findUniqueOrThrow({ where: { sessionId_roomId: { sessionId, roomId: member.roomId } } });
  const room = await app.db.room.findUniqueOrThrow({ where: { id: member.roomId } });
  return {
    sessionId,
    memberId: member.id,
    name: person.name,
    kind: person.kind,
    seat: member.seat,
    site: { roomId: room.id, roomName: room.name, role: site.role as "main" | "secondary" },
    stream: streamKey.evaluationExpert(sessionId, member.id),
    publicStream: streamKey.evaluation(sessionId),
  };
}
