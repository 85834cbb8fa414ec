import { describe, expect, it } from "vitest";
import { placeLabel } from "@contracts/experts";
import { committeePreview, emptyDrawForm, emptySite, parsePoolShort, problemsByPath, toDrawRequest, type DrawFormModel } from "./drawForm";
import { distributionBars, errorsByLine, fairnessSummary, importFormat, normaliseResidentId, openSeats, percentOf, refusedRows, stateTagType, tokenFromHash } from "./format";

const NOW = Date.parse("2026-11-25T02:00:00Z");
const filled = (over: Partial<DrawFormModel> = {}): DrawFormModel => ({
  ...emptyDrawForm(),
  projectId: "p1",
  evaluationAt: "2026-11-27 09:30",
  sites: [
    { roomId: "r1", role: "main", regionPrefix: "", needs: [{ specialtyCode: "a010101", count: 3, backups: 1 }, { specialtyCode: "A0401", count: 2, backups: 0 }] },
    { roomId: "r2", role: "secondary", regionPrefix: "3206", needs: [{ specialtyCode: "A010101", count: 2, backups: 1 }] },
  ],
  ...over,
});

describe("the draw request form → RequestDrawInput", () => {
  it("maps a filled form: Shanghai time to UTC, codes upper-cased, empty options left out, the county rule override", () => {
    const res = toDrawRequest(filled({ ownerCreditCodes: " 91320500mA1W2X3Y4E ,\n", projectRegionCode: "320506", sameCounty: "exclude", manualExclusions: "11010119900307001X 曾在投标单位任职\n" }), NOW);
    expect(res).toEqual({
      ok: true,
      input: {
        projectId: "p1",
        evaluationAt: "2026-11-27T01:30:00.000Z",
        sites: [
          { roomId: "r1", role: "main", needs: [{ specialtyCode: "A010101", count: 3, backups: 1 }, { specialtyCode: "A0401", count: 2, backups: 0 }] },
          { roomId: "r2", role: "secondary", regionPrefix: "3206", needs: [{ specialtyCode: "A010101", count: 2, backups: 1 }] },
        ],
        ownerRepresentatives: 0,
        ownerCreditCodes: ["91320500MA1W2X3Y4E"],
        projectRegionCode: "320506",
        excludeSameCounty: true,
        manualExclusions: [{ residentId: "11010119900307001X", reason: "曾在投标单位任职" }],
      },
    });
    const lot = toDrawRequest(filled({ lotId: "l1", sameCounty: "include" }), NOW);
    expect(lot.ok && lot.input).toMatchObject({ lotId: "l1", excludeSameCounty: false });
    expect(lot.ok && "projectRegionCode" in lot.input).toBe(false);
  });

  it("lists what to fix, each at its field", () => {
    const res = toDrawRequest(
      {
        ...emptyDrawForm(),
        evaluationAt: "2026-11-24 09:00",
        sites: [
          { roomId: "r1", role: "secondary", regionPrefix: "320", needs: [{ specialtyCode: "A01", count: 0, backups: -1 }, { specialtyCode: "a01", count: 1, backups: 0 }] },
          { ...emptySite("secondary"), roomId: "r1" },
        ],
        ownerCreditCodes: "12345",
        sameCounty: "exclude",
        manualExclusions: "not an id",
      },
      NOW,
    );
    expect(res.ok).toBe(false);
    const paths = !res.ok ? res.problems.map((p) => `${p.path}:${p.key}`) : [];
    expect(paths).toEqual([
      "projectId:required",
      "evaluationAt:past",
      "sites:oneMain",
      "sites.0.regionPrefix:regionPrefix",
      "sites.0.needs.0.count:count",
      "sites.0.needs.0.backups:backups",
      "sites.0.needs.1.specialtyCode:specialtyTwice",
      "sites.1.roomId:roomTwice",
      "sites.1.needs.0.specialtyCode:required",
      "ownerCreditCodes.0:creditCode",
      "projectRegionCode:regionForCounty",
      "manualExclusions.0:manualLine",
    ]);
    expect(toDrawRequest(filled({ evaluationAt: "2026-02-30 09:00" }), NOW)).toMatchObject({ ok: false, problems: [{ path: "evaluationAt", key: "time" }] });
  });

  it("previews the committee: experts, backups, size with the tenderer's representatives, odd, the 2/3 share", () => {
    expect(committeePreview(filled())).toEqual({ experts: 7, backups: 2, size: 7, odd: true, expertsShareOk: true });
    expect(committeePreview(filled({ ownerRepresentatives: 1 }))).toMatchObject({ size: 8, odd: false, expertsShareOk: true });
    expect(committeePreview(filled({ ownerRepresentatives: 4 }))).toMatchObject({ size: 11, expertsShareOk: false });
  });
});

describe("the server's refusals, read for the form", () => {
  it("POOL_SHORT: site, specialty, the shortfall and the exclusion that removed the most", () => {
    const err = {
      code: "POOL_SHORT",
      message: "The pool cannot fill this request: …",
      details: [
        {
          path: "sites.0.needs.0",
          message:
            "site 1 第一评标室 (main), specialty A010101 建筑工程技术: needs 6 (5 + 1 backup), 2 eligible of 6, short by 4; the exclusion that removed the most: bidder-employer 投标人单位 (4)",
        },
        { path: "sites.1.needs.0", message: "site 2 异地评标室 (secondary), specialty A0104 公路工程: needs 3 (3 + 0 backups), 1 eligible of 1, short by 2; no exclusion applied: the pool has too few experts here" },
      ],
    };
    expect(parsePoolShort(err)).toEqual([
      { path: "sites.0.needs.0", site: 1, roomName: "第一评标室", role: "main", specialtyCode: "A010101", specialtyName: "建筑工程技术", required: 6, eligible: 2, candidates: 6, short: 4, top: { reason: "bidder-employer", count: 4 } },
      { path: "sites.1.needs.0", site: 2, roomName: "异地评标室", role: "secondary", specialtyCode: "A0104", specialtyName: "公路工程", required: 3, eligible: 1, candidates: 1, short: 2, top: null },
    ]);
    expect(parsePoolShort({ code: "COMMITTEE_RULES", message: "x", details: err.details })).toEqual([]);
  });

  it("committee rules: the messages grouped by field", () => {
    const m = problemsByPath({ code: "COMMITTEE_RULES", message: "", details: [{ path: "sites", message: "a" }, { path: "ownerRepresentatives", message: "b" }, { path: "ownerRepresentatives", message: "c" }] });
    expect([...m.entries()]).toEqual([["sites", ["a"]], ["ownerRepresentatives", ["b", "c"]]]);
  });
});

describe("helpers", () => {
  it("the invitation's place: the room, and its city unless the room's name says it", () => {
    expect(placeLabel("第一评标室", "演示县")).toBe("第一评标室（演示县）");
    expect(placeLabel("异地评标室（邻市分中心）", "邻市")).toBe("异地评标室（邻市分中心）");
    expect(placeLabel("第一评标室", "")).toBe("第一评标室");
  });
  it("import formats, progress, row errors by line", () => {
    expect([importFormat("专家.CSV"), importFormat("pool.xlsx"), importFormat("a.txt"), importFormat("a.xls"), importFormat("x")]).toEqual(["csv", "xlsx", "csv", null, null]);
    expect([percentOf(0, 0), percentOf(50, 200), percentOf(199, 200), percentOf(300, 200)]).toEqual([0, 25, 99, 100]);
    expect(errorsByLine([{ line: 5, field: "mobile", message: "m" }, { line: 2, field: "residentId", message: "r" }, { line: 5, field: "name", message: "n" }])).toEqual([
      { line: 2, problems: [{ field: "residentId", message: "r" }] },
      { line: 5, problems: [{ field: "mobile", message: "m" }, { field: "name", message: "n" }] },
    ]);
  });

  it("a refused import's rows (422 IMPORT_REJECTED details) back as row errors; other errors have none", () => {
    const details = [
      { path: "line 3", message: "residentId: not a valid resident ID number (18 characters, real birth date: GB 11643)" },
      { path: "line 9", message: "mobile: must be 11 digits" },
      { path: "header", message: "ignored" },
    ];
    expect(refusedRows({ code: "IMPORT_REJECTED", details })).toEqual([
      { line: 3, field: "residentId", message: "not a valid resident ID number (18 characters, real birth date: GB 11643)" },
      { line: 9, field: "mobile", message: "must be 11 digits" },
    ]);
    expect(refusedRows({ code: "IMPORT_ENCODING", details: [{ path: "line 2", message: "neither UTF-8 nor GB18030 (GBK) text" }] })).toEqual([]);
    expect(refusedRows({ code: "IMPORT_REJECTED" })).toEqual([]);
  });

  it("seats: tag types and the seats still open", () => {
    expect(stateTagType("signed-in")).toBe("success");
    expect(stateTagType("declined")).toBe("danger");
    expect(stateTagType("reserve")).toBe("info");
    const seat = (state: "notified" | "declined" | "accepted" | "reserve") => ({ seat: 1, kind: "member" as const, state, name: null, answerBy: null, replacesSeat: null });
    expect(openSeats({ buckets: [{ need: 3, seats: [seat("accepted"), seat("declined"), seat("reserve")] }, { need: 1, seats: [seat("notified")] }] } as never)).toBe(2);
  });

  it("fairness figures and bars", () => {
    const r = { poolActive: 200, neverDrawn: 150, sittings: 60, expertsSitting: 50, gini: 0.81234, largest: { expertId: 1, nameMasked: "张*", sittings: 4, share: 4 / 60 }, distribution: [{ sittings: 1, experts: 40 }, { sittings: 0, experts: 150 }, { sittings: 2, experts: 10 }] };
    expect(fairnessSummary(r as never)).toEqual({ gini: "0.812", largestShare: "6.7%", neverDrawnShare: "75.0%", sittingsPerExpert: "1.20" });
    expect(distributionBars(r)).toEqual([{ sittings: 0, experts: 150, width: 100 }, { sittings: 1, experts: 40, width: 27 }, { sittings: 2, experts: 10, width: 7 }]);
  });

  it("the invitation token from #t=…, an ID number as typed", () => {
    expect(tokenFromHash("#t=abcdefghijklmnopqrstuvwxyz012345")).toBe("abcdefghijklmnopqrstuvwxyz012345");
    expect(tokenFromHash("#t=short")).toBeNull();
    expect(tokenFromHash("")).toBeNull();
    expect(normaliseResidentId(" 1101 0119 9003 07001x ")).toBe("11010119900307001X");
    expect(normaliseResidentId("1101011990030700")).toBeNull();
  });
});

describe("the specialty tree", async () => {
  const { specialtyTree, expertsUnder } = await import("./tree");
  it("nests by parent code, sorted, with the experts under each node", () => {
    const tree = specialtyTree([
      { code: "A0102", name: "市政", parentCode: "A01", experts: 2 },
      { code: "A01", name: "工程", parentCode: null, experts: 0 },
      { code: "A0101", name: "房建", parentCode: "A01", experts: 1 },
      { code: "A010101", name: "建筑", parentCode: "A0101", experts: 5 },
      { code: "A04", name: "经济", parentCode: null, experts: 3 },
    ]);
    expect(tree.map((n) => n.code)).toEqual(["A01", "A04"]);
    expect(tree[0]!.children.map((n) => n.code)).toEqual(["A0101", "A0102"]);
    expect(tree[0]!.children[0]!.children[0]!.label).toBe("A010101 建筑（5）");
    expect(expertsUnder(tree[0]!)).toBe(8);
  });
});

describe("the experts messages", async () => {
  const { baseCompile } = await import("@intlify/message-compiler");
  const { expertsMessages } = await import("./messages");
  const leaves = (o: unknown, path = ""): [string, string][] =>
    typeof o === "string" ? [[path, o]] : Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  it("every text compiles as a vue-i18n message, in both languages, with the same keys", () => {
    const zh = leaves(expertsMessages["zh-CN"]);
    const en = leaves(expertsMessages.en);
    expect(en.map(([k]) => k)).toEqual(zh.map(([k]) => k));
    for (const [key, text] of [...zh, ...en]) {
      const errors: string[] = [];
      baseCompile(text, { onError: (e) => errors.push(e.message) });
      expect(errors, `${key}: ${text}`).toEqual([]);
    }
  });
});

describe("the import upload", async () => {
  const { uploadImport } = await import("./upload");
  /** A stand-in XMLHttpRequest recording what was sent and answering as told. */
  function fakeXhr(answer: { status: number; body: string } | "network") {
    const sent: { method?: string; url?: string; headers: Record<string, string>; body?: unknown } = { headers: {} };
    const xhr = {
      upload: { onprogress: null as null | ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) },
      onload: null as null | (() => void),
      onerror: null as null | (() => void),
      status: 0,
      responseText: "",
      open: (method: string, url: string) => Object.assign(sent, { method, url }),
      setRequestHeader: (k: string, v: string) => (sent.headers[k] = v),
      send(body: unknown) {
        sent.body = body;
        xhr.upload.onprogress?.({ loaded: 50, total: 100, lengthComputable: true });
        xhr.upload.onprogress?.({ loaded: 100, total: 100, lengthComputable: true });
        if (answer === "network") return xhr.onerror?.();
        xhr.status = answer.status;
        xhr.responseText = answer.body;
        xhr.onload?.();
      },
    };
    return { xhr: () => xhr as unknown as XMLHttpRequest, sent };
  }
  const report = { importId: "i", policy: "partial", rows: 2, imported: 1, rejected: 1, errors: [{ line: 3, field: "residentId", message: "bad" }], committed: true, ms: 12 };

  it("posts the raw file with format, policy and the token; reports progress; resolves the server's envelope", async () => {
    const f = fakeXhr({ status: 200, body: JSON.stringify({ ok: true, data: report }) });
    const progress: number[] = [];
    const file = new Blob(["姓名,身份证号\n"]);
    const res = await uploadImport(file, { token: "tk", format: "xlsx", policy: "partial", onProgress: (l, t) => progress.push(percentOf(l, t)), xhr: f.xhr });
    expect(res).toEqual({ ok: true, data: report });
    expect(f.sent).toMatchObject({ method: "POST", url: "/api/experts/import?format=xlsx&policy=partial", body: file, headers: { authorization: "Bearer tk", "content-type": "application/octet-stream" } });
    expect(progress).toEqual([50, 100]);
  });

  it("a refusal, an unreadable answer and a network failure become error envelopes", async () => {
    const refused = { ok: false, error: { code: "FORBIDDEN", message: "no" } };
    expect(await uploadImport(new Blob([""]), { token: null, format: "csv", policy: "all-or-nothing", xhr: fakeXhr({ status: 403, body: JSON.stringify(refused) }).xhr })).toEqual(refused);
    expect(await uploadImport(new Blob([""]), { token: null, format: "csv", policy: "all-or-nothing", xhr: fakeXhr({ status: 502, body: "<html>" }).xhr })).toEqual({ ok: false, error: { code: "BAD_RESPONSE", message: "HTTP 502" } });
    expect(await uploadImport(new Blob([""]), { token: null, format: "csv", policy: "all-or-nothing", xhr: fakeXhr("network").xhr })).toMatchObject({ ok: false, error: { code: "NETWORK_ERROR" } });
  });
});
