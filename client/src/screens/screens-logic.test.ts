// Pure logic of the hall screens: the entrance board's state names and order,
// and what a screen answers to remote commands.
import { describe, expect, it } from "vitest";
import { boardCounts, boardStateOf, boardTone, focusSession, shanghaiHm, sortSessions, type BoardSession } from "./board";
import { answerCommand, IDENTIFY_DEFAULT_S, RELOAD_DELAY_MS } from "./deviceCommands";

const session = (lotId: string, openingTime: string, state: string, roomName = "第一开标厅"): BoardSession => ({
  lotId,
  projectCode: `P-${lotId}`,
  projectName: "项目",
  lotName: "标段",
  roomName,
  openingTime,
  state,
});

describe("entrance board", () => {
  it("names every state the board shows; publishing bidders is still sign-in; unknown stays unknown", () => {
    expect(["scheduled", "signin", "bidders-published", "decrypting", "announcing", "drawing", "confirming", "closed"].map(boardStateOf)).toEqual([
      "scheduled",
      "signin",
      "signin",
      "decrypting",
      "announcing",
      "drawing",
      "confirming",
      "closed",
    ]);
    expect(boardStateOf("evaluating")).toBeNull();
    expect(boardTone("scheduled")).toBe("scheduled");
    expect(boardTone("decrypting")).toBe("live");
    expect(boardTone("closed")).toBe("closed");
  });

  it("shows opening times in Beijing time and sorts by time, keeping the server's order at the same instant", () => {
    expect(shanghaiHm("2026-11-25T01:30:00.000Z")).toBe("09:30");
    expect(shanghaiHm("2026-11-25T15:59:00.000Z")).toBe("23:59");
    const list = [
      session("c", "2026-11-25T06:00:00Z", "scheduled", "第二开标厅"),
      session("a", "2026-11-25T01:30:00Z", "closed"),
      session("b", "2026-11-25T06:00:00Z", "scheduled", "第一开标厅"),
    ];
    expect(sortSessions(list).map((s) => s.lotId)).toEqual(["a", "c", "b"]);
    expect(boardCounts(list)).toEqual({ total: 3, live: 0, closed: 1, scheduled: 2 });
  });

  it("points at the live session, else the next scheduled one", () => {
    const now = Date.parse("2026-11-25T05:00:00Z");
    const list = [session("a", "2026-11-25T01:30:00Z", "closed"), session("b", "2026-11-25T06:00:00Z", "scheduled"), session("c", "2026-11-25T07:00:00Z", "scheduled")];
    expect(focusSession(list, now)).toBe("b");
    expect(focusSession([...list, session("d", "2026-11-25T04:00:00Z", "decrypting")], now)).toBe("d");
    expect(focusSession([list[0]!], now)).toBeNull();
  });
});

describe("screen answers to device:command", () => {
  it("identifies and reloads with ok and the same commandId", () => {
    expect(answerCommand({ commandId: "c1", command: { kind: "identify", seconds: 5 } }, "K01-PJ 开标厅投影")).toEqual({
      ack: { commandId: "c1", ok: true, detail: "screen: identifying K01-PJ 开标厅投影 for 5 s" },
      effect: { kind: "identify", seconds: 5 },
    });
    expect(answerCommand({ commandId: "c2", command: { kind: "identify" } }).effect).toEqual({ kind: "identify", seconds: IDENTIFY_DEFAULT_S });
    const r = answerCommand({ commandId: "c3", command: { kind: "reload" } });
    expect(r.ack).toMatchObject({ commandId: "c3", ok: true });
    expect(r.effect).toEqual({ kind: "reload", delayMs: RELOAD_DELAY_MS });
  });

  it("answers UNSUPPORTED for the view and the projector, with the same commandId", () => {
    const view = answerCommand({ commandId: "c4", command: { kind: "show-view", view: "wall" } });
    expect(view.ack).toMatchObject({ commandId: "c4", ok: false, error: { code: "UNSUPPORTED" } });
    expect(view.ack.error!.message).toMatch(/server/);
    expect(view.effect).toBeNull();
    for (const command of [{ kind: "projector-power", on: true }, { kind: "projector-input", input: "31" }]) {
      const a = answerCommand({ commandId: "c5", command });
      expect(a.ack).toMatchObject({ commandId: "c5", ok: false, error: { code: "UNSUPPORTED" } });
      expect(a.ack.error!.message).toMatch(/agent/);
    }
  });

  it("refuses malformed and unknown commands, still echoing what commandId it can", () => {
    expect(answerCommand({ commandId: "c6", command: { kind: "identify", seconds: 99 } }).ack).toMatchObject({ commandId: "c6", ok: false, error: { code: "BAD_COMMAND" } });
    expect(answerCommand({ commandId: "c7", command: { kind: "dance" } }).ack).toMatchObject({ commandId: "c7", ok: false, error: { code: "UNKNOWN_COMMAND" } });
    expect(answerCommand(null).ack).toMatchObject({ commandId: "", ok: false, error: { code: "BAD_COMMAND" } });
    expect(answerCommand({ commandId: 5, command: { kind: "reload" } }).ack.ok).toBe(false);
  });
});
