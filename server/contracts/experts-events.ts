// Socket events of the experts domain (专家抽取). Merged into clientEvents in events.ts.
import { ev } from "./event-contract";
import {
  CancelDrawInput,
  DrawCommitment,
  DrawRef,
  DrawRevealResult,
  DrawStatus,
  RequestDrawInput,
  SignInFinishInput,
  SignInDeclineInput,
  SignInDeclineResult,
  SignInFinishResult,
  SignInStartInput,
  SignInStartResult,
} from "./experts";
import { z } from "zod";

const agent = ["agent", "admin"] as const;

export const expertEvents = {
  "experts:requestDraw": ev({
    input: RequestDrawInput,
    output: DrawCommitment,
    audience: agent,
    summary: "Request an expert draw: rules checked, exclusions recorded, eligible lists frozen, seed hash published",
  }),
  "experts:draw": ev({
    input: DrawRef,
    output: DrawRevealResult,
    audience: agent,
    summary: "Reveal the seed and select the committee from the frozen lists; invitations go out",
  }),
  "experts:cancelDraw": ev({
    input: CancelDrawInput,
    output: z.object({ drawId: z.string(), status: DrawStatus }),
    audience: agent,
    summary: "Cancel a draw (with a reason); pending invitations are withdrawn",
  }),
  "experts:signInStart": ev({
    input: SignInStartInput,
    output: SignInStartResult,
    audience: ["device"],
    summary: "At an expert terminal: identity check by ID number; a one-time code goes to the expert's mobile",
  }),
  "experts:signInFinish": ev({
    input: SignInFinishInput,
    output: SignInFinishResult,
    audience: ["device"],
    summary: "At an expert terminal: the one-time code signs the expert in and unseals the name",
  }),
  "experts:signInDecline": ev({
    input: SignInDeclineInput,
    output: SignInDeclineResult,
    audience: ["device"],
    summary: "At an expert terminal: the expert declines or declares a conflict (回避); the seat is filled from the same frozen list",
  }),
};
