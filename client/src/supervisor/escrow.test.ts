import { describe, expect, it } from "vitest";
import type { OpeningPublicState, ProjectView } from "@contracts/opening";
import { escrowBids, lotChoices, openedSummary, parseShare, shareFileName, shareProblem } from "./escrow";

const SHARE = "escrow:v1:lot-1:2:AbCdEfGhIjKlMnOpQrStUv_-";

describe("escrow", () => {
  it("reads shares and says what is wrong before sending", () => {
    expect(parseShare(` ${SHARE}\n`)).toEqual({ lotId: "lot-1", index: 2 });
    expect(parseShare("escrow:v1:lot-1:0:AbCdEfGhIjKlMnOpQrStUv")).toBeNull();
    expect(parseShare("hello")).toBeNull();
    expect(shareProblem("  ", "lot-1")).toBe("empty");
    expect(shareProblem("escrow:v2:x", "lot-1")).toBe("format");
    expect(shareProblem(SHARE, "lot-2")).toBe("otherLot");
    expect(shareProblem(SHARE, "lot-1")).toBeNull();
    expect(shareFileName("JS2026/001-01", 2)).toBe("escrow-share-JS2026_001-01-2.txt");
  });

  it("lists lots in opening first, then by opening time", () => {
    const lot = (id: string, status: string, openingTime: string) => ({ id, code: id, name: id, status, openingTime });
    const projects = [
      { code: "P1", name: "项目一", lots: [lot("a", "accepting", "2026-11-25T01:00:00Z"), lot("b", "opened", "2026-11-20T01:00:00Z")] },
      { code: "P2", name: "项目二", lots: [lot("c", "opening", "2026-11-26T01:00:00Z"), lot("d", "accepting", "2026-11-24T01:00:00Z")] },
    ] as unknown as ProjectView[];
    expect(lotChoices(projects).map((l) => l.lotId)).toEqual(["c", "d", "a", "b"]);
    expect(lotChoices(projects)[0]).toMatchObject({ projectCode: "P2", projectName: "项目二", status: "opening" });
  });

  it("lists platform-fault bids and the bids this page handed shares in for", () => {
    const row = (bidId: string, companyName: string, bidStatus: string, extra: object = {}) => ({
      bidId,
      companyName,
      bidStatus,
      companyId: bidId,
      signedIn: null,
      confirmation: null,
      picked: false,
      escrowRecipient: true,
      platformFault: null,
      escrowOpened: null,
      may: { markFault: false, handInShare: bidStatus === "failed-platform" },
      ...extra,
    });
    const summary = { priceFen: 100, durationDays: null, quality: null, projectManager: null, fields: {}, documents: [] };
    const state = {
      bidders: [
        row("b1", "甲", "failed-platform"),
        row("b2", "乙", "decrypted"),
        row("b3", "丙", "decrypted"),
        row("b4", "丁", "decrypted", { escrowOpened: { at: "2026-12-07T02:00:00Z", supervisors: ["监督甲", "监督乙"] } }),
      ],
      announcements: [{ order: 1, companyName: "乙", summary }],
    } as unknown as OpeningPublicState;
    const rows = escrowBids(state, { b2: { sharesHeld: 2, opened: true, summary } });
    expect(rows.map((r) => [r.bidId, r.bidStatus, r.handIn?.opened ?? null, r.mayHandIn])).toEqual([
      ["b1", "failed-platform", null, true],
      ["b2", "decrypted", true, false],
      ["b4", "decrypted", null, false],
    ]);
    expect(rows[2]!.escrowOpened?.supervisors).toEqual(["监督甲", "监督乙"]);
    expect(escrowBids(null, {})).toEqual([]);
    expect(openedSummary(state, "乙")).toEqual(summary);
    expect(openedSummary(state, "甲")).toBeNull();
  });
});

describe("typed errors are worded", () => {
  it("has a message for every escrow and device command error, in both languages", async () => {
    const { ESCROW_ERRORS } = await import("./escrow");
    const { COMMAND_ERRORS } = await import("../admin/devices");
    const zh = (await import("../i18n/zh-CN")).default;
    const en = (await import("../i18n/en")).default;
    for (const code of [...ESCROW_ERRORS, ...COMMAND_ERRORS, "UNSUPPORTED", "ESCROW_SHARE_COLLECTED"]) {
      expect((zh.errors as Record<string, string>)[code], code).toBeTruthy();
      expect((en.errors as Record<string, string>)[code], code).toBeTruthy();
    }
  });
});
