// The agent's stage commands as buttons. Which ones are allowed is decided by
// the server only (server/opening/allowed.ts) and sent in the agent's stream
// `opening:<lotId>:agent`; this file turns that answer into buttons (label,
// enabled, the reason it is not) and says which ones ask before they act.
import type { AgentCommand, OpeningAgentState, OpeningPublicState } from "@contracts/opening";

export interface CommandButton {
  command: AgentCommand;
  /** i18n key of its label under `console.commands`. */
  label: string;
  enabled: boolean;
  /** Why not, as the server said: the error code it would answer, the companies it names, when it becomes allowed. */
  refusal: { code: string; message: string; companies: string[]; allowedFrom: string | null } | null;
}

/**
 * The buttons, in the server's order. A command refused only until a time (`allowedFrom`: the opening time,
 * the end of a window) is enabled once the server's clock has passed it.
 */
export function commandButtons(state: OpeningAgentState | null | undefined, serverNow: number, windowOpen: boolean): CommandButton[] {
  return (state?.commands ?? []).map((c) => {
    const byTime = !c.allowed && c.allowedFrom !== null && serverNow >= Date.parse(c.allowedFrom);
    const label = c.command === "opening:endDecryption" && windowOpen ? "endDecryptionEarly" : c.command.slice("opening:".length);
    return {
      command: c.command,
      label,
      enabled: c.allowed || byTime,
      refusal: c.allowed || byTime || !c.refusal ? null : { ...c.refusal, allowedFrom: c.allowedFrom },
    };
  });
}

/** Every stage command moves the opening forward for good: each asks first (its text under `console.confirm`). */
export const confirmKey = (b: Pick<CommandButton, "label">) => `console.confirm.${b.label}`;

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
    giveUp: hasBid && stage === "decrypting" && own?.bid?.status === "sealed",
    pick: hasBid && stage === "drawing" && draw?.config.kind === "koneps" && !draw.result && !own?.picks,
    confirm: hasBid && stage === "confirming" && !own?.confirmation,
    object: stage !== undefined && stage !== "closed",
  };
}
