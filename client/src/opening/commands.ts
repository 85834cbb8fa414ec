// Which opening commands the agent may give now, from the public state. The
// server decides (each command is guarded by its stage); the console only
// greys out buttons that cannot succeed.
import type { OpeningPublicState } from "@contracts/opening";

export const STAGE_COMMANDS = [
  "opening:open",
  "opening:publishBidders",
  "opening:startDecryption",
  "opening:endDecryption",
  "opening:startDraw",
  "opening:revealDraw",
  "opening:startConfirmation",
  "opening:close",
] as const;
export type StageCommand = (typeof STAGE_COMMANDS)[number];

type LotStatus = "accepting" | "opening" | "opened" | "cancelled";

/** Stage commands that make sense now. `state` null: the opening has not started. */
export function allowedCommands(state: OpeningPublicState | null | undefined, lotStatus: LotStatus | undefined): Set<StageCommand> {
  const ok = new Set<StageCommand>();
  if (!state) {
    if (lotStatus === undefined || lotStatus === "accepting") ok.add("opening:open");
    return ok;
  }
  const draw = state.draw;
  switch (state.stage) {
    case "signin":
      ok.add("opening:publishBidders");
      break;
    case "bidders-published":
      ok.add("opening:startDecryption");
      break;
    case "decrypting":
      ok.add("opening:endDecryption");
      break;
    case "announcing":
      if (draw) ok.add("opening:startDraw");
      else ok.add("opening:startConfirmation");
      break;
    case "drawing":
      if (draw && !draw.result) ok.add("opening:revealDraw");
      else ok.add("opening:startConfirmation");
      break;
    case "confirming":
      ok.add("opening:close");
      break;
    case "closed":
      break;
  }
  return ok;
}

/** A bid the agent may record as failed through the platform's fault (decryption window only). */
export const mayMarkFault = (state: OpeningPublicState | null | undefined, bidStatus: string): boolean =>
  state?.stage === "decrypting" && (bidStatus === "sealed" || bidStatus === "failed-bidder");

/** What a bidder may do now, from the public stage and its own view. */
export function bidderActions(
  stage: OpeningPublicState["stage"] | undefined,
  own: { signedIn: string | null; bid: { status: string } | null; confirmation: string | null; picks: number[] | null } | undefined,
  draw: OpeningPublicState["draw"] | undefined,
) {
  const hasBid = !!own?.bid;
  return {
    signIn: hasBid && !own?.signedIn && (stage === "signin" || stage === "bidders-published" || stage === "decrypting"),
    submitKey: hasBid && !!own?.signedIn && stage === "decrypting" && (own?.bid?.status === "sealed" || own?.bid?.status === "failed-bidder"),
    pick: hasBid && stage === "drawing" && draw?.config.kind === "koneps" && !draw.result && !own?.picks,
    confirm: hasBid && stage === "confirming" && !own?.confirmation,
    object: stage !== undefined && stage !== "closed",
  };
}
