// Every live stream's key and state, written once. A key is built with `streamKey.<kind>(…)` and read
// back with `parseStreamKey`; both the server's stream kinds (their `parse`) and the client (useLiveStream
// infers a screen's state type from the key) use them. The keys on the wire are plain strings:
//   room:<roomId>  wall  board  device:<deviceId>
//   opening:<lotId>  opening:<lotId>:agent  opening:<lotId>:company:<companyId>
//   evaluation:<sessionId>  evaluation:<sessionId>:agent|supervisor
//   evaluation:<sessionId>:expert:<memberId>  evaluation:<sessionId>:company:<companyId>
//   expert-draw:<drawId>:agent|supervisor
import type { z } from "zod";
import { DeviceChannelState } from "./devices";
import { EvalAgentState, EvalBidderState, EvalExpertState, EvalPublicState, EvalSupervisorState } from "./evaluation";
import { DrawAgentState, DrawSupervisorState } from "./experts";
import { OpeningAgentState, OpeningBidderState, OpeningPublicState } from "./opening";
import { BoardState, RoomScreenState, WallState } from "./rooms";

/** A domain id inside a key (lots, sessions, members, companies, draws). */
const ID = "([A-Za-z0-9-]{1,64})";
/** Rooms and devices: any segment without a colon (what their keys always accepted). */
const SEG = "([^:]+)";

interface KindDef<P extends Record<string, string>, S extends z.ZodTypeAny> {
  /** The key's shape; its groups are the params in `names` order. */
  re: RegExp;
  names: readonly (keyof P & string)[];
  /** The stream's state; null while the thing it shows does not exist (yet or any more). */
  state: S;
  /** An example of each param, for tests. */
  sample: P;
}

function kind<const N extends readonly string[], S extends z.ZodTypeAny>(re: RegExp, names: N, state: S, sample: { [K in N[number]]: string }): KindDef<{ [K in N[number]]: string }, S> {
  return { re, names, state, sample } as KindDef<{ [K in N[number]]: string }, S>;
}

const rx = (body: string) => new RegExp(`^${body}$`);

/** Every stream kind: its key shape, its params and its state schema. */
export const streamKinds = {
  room: kind(rx(`room:${SEG}`), ["roomId"], RoomScreenState, { roomId: "r1" }),
  wall: kind(rx("wall"), [], WallState, {}),
  board: kind(rx("board"), [], BoardState, {}),
  device: kind(rx(`device:${SEG}`), ["deviceId"], DeviceChannelState, { deviceId: "d1" }),
  opening: kind(rx(`opening:${ID}`), ["lotId"], OpeningPublicState.nullable(), { lotId: "l1" }),
  openingAgent: kind(rx(`opening:${ID}:agent`), ["lotId"], OpeningAgentState, { lotId: "l1" }),
  openingCompany: kind(rx(`opening:${ID}:company:${ID}`), ["lotId", "companyId"], OpeningBidderState, { lotId: "l1", companyId: "c1" }),
  evaluation: kind(rx(`evaluation:${ID}`), ["sessionId"], EvalPublicState.nullable(), { sessionId: "s1" }),
  evaluationAgent: kind(rx(`evaluation:${ID}:agent`), ["sessionId"], EvalAgentState.nullable(), { sessionId: "s1" }),
  evaluationSupervisor: kind(rx(`evaluation:${ID}:supervisor`), ["sessionId"], EvalSupervisorState.nullable(), { sessionId: "s1" }),
  evaluationExpert: kind(rx(`evaluation:${ID}:expert:${ID}`), ["sessionId", "memberId"], EvalExpertState.nullable(), { sessionId: "s1", memberId: "m1" }),
  evaluationCompany: kind(rx(`evaluation:${ID}:company:${ID}`), ["sessionId", "companyId"], EvalBidderState.nullable(), { sessionId: "s1", companyId: "c1" }),
  expertDrawAgent: kind(rx(`expert-draw:${ID}:agent`), ["drawId"], DrawAgentState.nullable(), { drawId: "x1" }),
  expertDrawSupervisor: kind(rx(`expert-draw:${ID}:supervisor`), ["drawId"], DrawSupervisorState.nullable(), { drawId: "x1" }),
};

export type StreamKindName = keyof typeof streamKinds;
type DefOf<K extends StreamKindName> = (typeof streamKinds)[K];
/** A kind's params, e.g. `{ lotId, companyId }` for openingCompany. */
export type ParamsOf<K extends StreamKindName> = DefOf<K>["sample"];
/** A kind's state as the client holds it. */
export type StateOf<K extends StreamKindName> = z.infer<DefOf<K>["state"]>;

/** A key of a known kind: a plain string on the wire, branded so its state type follows it. */
export type StreamKey<K extends StreamKindName = StreamKindName> = string & { readonly __stream: K };

function build<K extends StreamKindName>(k: K, ...parts: string[]): StreamKey<K> {
  return parts.join(":") as StreamKey<K>;
}

/** The key builders: the only place a stream key string is put together. */
export const streamKey = {
  room: (roomId: string) => build("room", "room", roomId),
  wall: () => build("wall", "wall"),
  board: () => build("board", "board"),
  device: (deviceId: string) => build("device", "device", deviceId),
  opening: (lotId: string) => build("opening", "opening", lotId),
  openingAgent: (lotId: string) => build("openingAgent", "opening", lotId, "agent"),
  openingCompany: (lotId: string, companyId: string) => build("openingCompany", "opening", lotId, "company", companyId),
  evaluation: (sessionId: string) => build("evaluation", "evaluation", sessionId),
  evaluationAgent: (sessionId: string) => build("evaluationAgent", "evaluation", sessionId, "agent"),
  evaluationSupervisor: (sessionId: string) => build("evaluationSupervisor", "evaluation", sessionId, "supervisor"),
  evaluationExpert: (sessionId: string, memberId: string) => build("evaluationExpert", "evaluation", sessionId, "expert", memberId),
  evaluationCompany: (sessionId: string, companyId: string) => build("evaluationCompany", "evaluation", sessionId, "company", companyId),
  expertDrawAgent: (drawId: string) => build("expertDrawAgent", "expert-draw", drawId, "agent"),
  expertDrawSupervisor: (drawId: string) => build("expertDrawSupervisor", "expert-draw", drawId, "supervisor"),
} satisfies { [K in StreamKindName]: (...ids: string[]) => StreamKey<K> };

/** Key prefixes that a family of keys starts with (for refreshing every held stream of a family). */
export const streamKeyPrefix = {
  openingCompanies: (lotId: string) => `opening:${lotId}:company:`,
  evaluationExperts: (sessionId: string) => `evaluation:${sessionId}:expert:`,
  evaluationCompanies: (sessionId: string) => `evaluation:${sessionId}:company:`,
};

/** The key's params when it is of this kind, else null. */
export function parseStreamKey<K extends StreamKindName>(k: K, key: string): ParamsOf<K> | null {
  const def = streamKinds[k] as KindDef<Record<string, string>, z.ZodTypeAny>;
  const m = def.re.exec(key);
  if (!m) return null;
  return Object.fromEntries(def.names.map((n, i) => [n, m[i + 1]!])) as ParamsOf<K>;
}

/** A key that came as a string (from a server answer or a stream's state), checked to be of this kind. */
export function asStreamKey<K extends StreamKindName>(k: K, key: string | null | undefined): StreamKey<K> | null {
  return key != null && parseStreamKey(k, key) ? (key as StreamKey<K>) : null;
}

/** Which kind a key is of, or null for a key no kind knows. */
export function kindOfStreamKey(key: string): StreamKindName | null {
  for (const k of Object.keys(streamKinds) as StreamKindName[]) if (parseStreamKey(k, key)) return k;
  return null;
}
