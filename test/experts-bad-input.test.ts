// Bad input in the experts domain: each a clear, typed error, nothing stored
// half-way. Invalid ID numbers and credit codes, duplicates (in a file, against
// the pool), unknown specialties, a bad header, a request the pool cannot fill
// (the error names the site and specialty, how many are missing and which
// exclusion removed the most), committee rules, a draw by a role that may not,
// a draw after the evaluation started, the pool browsed by someone not admin.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrawCommitment, ImportReport } from "@contracts/experts";
import type { EventInput } from "@contracts/events";
import { call, startTestApp, type TestApp, type TestSocket } from "./helpers/app";
import { createLot } from "./helpers/opening";
import { fakeBid, makeExperts, seedPool, cliActor } from "./helpers/experts";
import { CSV_HEADER, csvLine, creditCodeFor, type SynthExpert } from "../server/experts/synth";
import { hashPassword } from "../server/auth/password";
import { DEMO_PASSWORD } from "../server/seed/demo";
import { ensureSampleTree } from "../server/experts/specialties";

let t: TestApp;
let admin: string;
let agent: { token: string; socket: TestSocket };
let projectId: string;
let lotId: string;
let rooms: { main: string; remote: string };
let bidderCode: string;
const soon = () => new Date(Date.now() + 3 * 3_600_000).toISOString();

const poolState = async () =>
  JSON.stringify({
    experts: await t.app.db.expert.count(),
    links: await t.app.db.expertSpecialtyLink.count(),
    draws: await t.app.db.expertDraw.count(),
    picks: await t.app.db.expertPick.count(),
    generation: (await t.app.db.expertPoolState.findUnique({ where: { id: 1 } }))?.generation ?? 0,
  });

async function importFile(body: string | Buffer, query = "", token = admin) {
  const res = await fetch(`${t.url}/api/experts/import${query}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" }, body });
  return { status: res.status, body: (await res.json()) as { ok: boolean; data?: ImportReport; error?: { code: string; message: string; details?: { path: string; message: string }[] } } };
}

beforeAll(async () => {
  t = await startTestApp();
  admin = (await t.login("admin")).token;
  const a = await t.login("agent");
  agent = { token: a.token, socket: await t.connect({ token: a.token }) };
  const project = await createLot(t, a.token);
  projectId = project.id;
  lotId = project.lots[0]!.id;
  const all = await t.app.db.room.findMany();
  rooms = { main: all.find((r) => r.code === "P01")!.id, remote: all.find((r) => r.code === "Y01")!.id };
  const bidder = await t.app.db.company.findFirstOrThrow({ where: { name: "华建集团有限公司" } });
  bidderCode = bidder.creditCode;
  await fakeBid(t, lotId, bidder.id);
  // 6 building experts, 4 of them employed by the bidder; 10 municipal experts.
  const building = makeExperts(6, ["A010101"], { seed: 11 }).map((e, i) => (i < 4 ? { ...e, employerCreditCode: bidderCode } : e));
  await seedPool(t, [...building, ...makeExperts(10, ["A010201"], { seed: 12 }).map((e, i) => ({ ...e, residentId: swapSeq(e.residentId, 500 + i) }))]);
}, 120_000);
afterAll(() => t.close());

/** Another valid ID number: same birth date, another sequence number. */
function swapSeq(id: string, seq: number): string {
  const first17 = id.slice(0, 14) + String(seq).padStart(3, "0");
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * W[i]!, 0);
  return first17 + "10X98765432"[sum % 11]!;
}

const expertBody = (e: SynthExpert) => ({
  name: e.name,
  residentId: e.residentId,
  mobile: e.mobile,
  specialties: e.specialties,
  regionCode: e.regionCode,
  employerName: e.employerName,
  employerCreditCode: e.employerCreditCode,
});

describe("the pool: bad input", () => {
  it("an invalid ID number or credit code → VALIDATION_FAILED naming the field; nothing stored", async () => {
    const [e] = makeExperts(1, ["A0103"], { seed: 99 });
    const before = await poolState();
    const badId = e!.residentId.slice(0, 17) + (e!.residentId[17] === "1" ? "2" : "1");
    const r1 = await t.api("POST", "/api/experts", { token: admin, body: { ...expertBody(e!), residentId: badId } });
    expect(r1.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", details: [{ path: "residentId" }] } });
    const r2 = await t.api("POST", "/api/experts", { token: admin, body: { ...expertBody(e!), residentId: "110105194902301234" } }); // no 30 February
    expect(r2.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    const r3 = await t.api("POST", "/api/experts", { token: admin, body: { ...expertBody(e!), employerCreditCode: e!.employerCreditCode.slice(0, 17) + (e!.employerCreditCode[17] === "0" ? "1" : "0") } });
    expect(r3.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", details: [{ path: "employerCreditCode" }] } });
    const r4 = await t.api("POST", "/api/experts", { token: admin, body: { ...expertBody(e!), specialties: ["Z9999"] } });
    expect(r4.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    expect(await poolState()).toBe(before);
    // The good one is stored once; the same ID number again is a conflict.
    const ok = await t.api<{ id: number; idMasked: string }>("POST", "/api/experts", { token: admin, body: expertBody(e!) });
    expect(ok.body).toMatchObject({ ok: true, data: { idMasked: `${e!.residentId.slice(0, 4)}**********${e!.residentId.slice(-4)}` } });
    expect(JSON.stringify(ok.body)).not.toContain(e!.residentId);
    const dup = await t.api("POST", "/api/experts", { token: admin, body: { ...expertBody(e!), name: "另一个人" } });
    expect(dup).toMatchObject({ status: 409, body: { ok: false, error: { code: "CONFLICT" } } });
  });

  it("an import with bad rows is refused whole and reports every bad row by line (all-or-nothing)", async () => {
    const good = makeExperts(5, ["A0105"], { seed: 21 }).map((e, i) => ({ ...e, residentId: swapSeq(e.residentId, 600 + i) }));
    const existing = await t.app.db.expert.findFirstOrThrow({ select: { id: true } });
    const inPool = makeExperts(6, ["A010101"], { seed: 11 })[5]!; // imported in beforeAll
    const lines = [
      CSV_HEADER,
      csvLine(good[0]!), // line 2
      csvLine({ ...good[1]!, residentId: good[1]!.residentId.slice(0, 17) + (good[1]!.residentId[17] === "1" ? "2" : "1") }), // 3: check digit
      csvLine(good[2]!), // 4
      csvLine({ ...good[3]!, residentId: good[2]!.residentId }), // 5: duplicate of line 4
      csvLine({ ...good[4]!, employerCreditCode: "91320500MA1HJ0001X" }), // 6: credit code
      csvLine({ ...good[4]!, residentId: swapSeq(good[4]!.residentId, 700), specialties: ["A0999"] }), // 7: unknown specialty
      csvLine({ ...good[4]!, residentId: inPool.residentId }), // 8: already in the pool
      `${good[4]!.name},${swapSeq(good[4]!.residentId, 701)},12345,A0105,320501,,某单位,${creditCodeFor("320500", 5)},,`, // 9: mobile
    ];
    const before = await poolState();
    const res = await importFile(lines.join("\n") + "\n");
    // Refused: 422 with each bad row in the details (never 200 with an error inside).
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ ok: false, error: { code: "IMPORT_REJECTED", message: "6 of 8 rows refused; nothing was imported" } });
    const details = res.body.error!.details!;
    expect(details.map((d) => [d.path, d.message.split(":")[0]])).toEqual([
      ["line 3", "residentId"],
      ["line 5", "residentId"],
      ["line 6", "employerCreditCode"],
      ["line 7", "specialties"],
      ["line 8", "residentId"],
      ["line 9", "mobile"],
    ]);
    expect(details.find((d) => d.path === "line 5")!.message).toContain("line 4");
    expect(details.find((d) => d.path === "line 8")!.message).toContain("already in the pool");
    expect(existing.id).toBeGreaterThan(0);
    expect(await poolState()).toBe(before);

    // The same file with policy=partial imports the two good rows and reports the rest.
    const partial = await importFile(lines.join("\n") + "\n", "?policy=partial");
    expect(partial.body.data).toMatchObject({ committed: true, imported: 2, rejected: 6 });
    expect(await t.app.db.expert.count()).toBe(JSON.parse(before).experts + 2);
  });

  it("XLSX: a row whose ID number the spreadsheet stored as a number is reported with a hint", async () => {
    const [e] = makeExperts(1, ["A0106"], { seed: 31 });
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("专家");
    ws.addRow(CSV_HEADER.split(","));
    ws.addRow([e!.name, Number(e!.residentId.slice(0, 17)) * 10, e!.mobile, "A0106", e!.regionCode, "", e!.employerName, e!.employerCreditCode, "", ""]);
    const file = join(t.dir, "bad.xlsx");
    await wb.xlsx.writeFile(file);
    const before = await poolState();
    const { readFileSync } = await import("node:fs");
    const res = await importFile(readFileSync(file), "?format=xlsx");
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "IMPORT_REJECTED", details: [{ path: "line 2", message: expect.stringMatching(/^residentId: .*format the column as text/) }] });
    expect(await poolState()).toBe(before);
  });

  it("CSV saved by Excel on Chinese Windows (GBK/GB18030) is imported and says so; UTF-8 with or without BOM too", async () => {
    const experts = makeExperts(3, ["A0106"], { seed: 41 }).map((e, i) => ({ ...e, residentId: swapSeq(e.residentId, 800 + i) }));
    // The Chinese column names and names, encoded as Excel (CP936) does: real GBK bytes.
    const zhHeader = CSV_HEADER; // the Chinese column names
    const text = [zhHeader, ...experts.map((e) => csvLine(e))].join("\r\n") + "\r\n";
    const gbk = iconv.encode(text, "gb18030");
    expect(gbk.includes(Buffer.from("姓名"))).toBe(false); // not UTF-8
    expect(gbk.subarray(0, 4)).toEqual(Buffer.from([0xd0, 0xd5, 0xc3, 0xfb])); // 姓名 in GBK
    const res = await importFile(gbk);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ committed: true, imported: 3, rejected: 0, encoding: "gb18030" });
    for (const e of experts) {
      const row = await t.app.db.expert.findFirst({ where: { name: e.name, idMasked: `${e.residentId.slice(0, 4)}**********${e.residentId.slice(-4)}` } });
      expect(row?.name).toBe(e.name);
      expect(row?.employerName).toBe(e.employerName);
    }
    const more = makeExperts(2, ["A0106"], { seed: 42 }).map((e, i) => ({ ...e, residentId: swapSeq(e.residentId, 810 + i) }));
    const bom = await importFile(Buffer.from(`\uFEFF${zhHeader}\n${csvLine(more[0]!)}\n`));
    expect(bom.body.data).toMatchObject({ committed: true, imported: 1, encoding: "utf-8-bom" });
    const plain = await importFile(Buffer.from(`${zhHeader}\n${csvLine(more[1]!)}\n`));
    expect(plain.body.data).toMatchObject({ committed: true, imported: 1, encoding: "utf-8" });
  });

  it("bytes that are neither UTF-8 nor GB18030 → 422 IMPORT_ENCODING, nothing stored; a non-workbook sent as XLSX → 422 IMPORT_NOT_XLSX", async () => {
    const before = await poolState();
    const { randomBytes } = await import("node:crypto");
    const [e] = makeExperts(1, ["A0106"], { seed: 43 });
    // Good rows first, then bytes no encoding reads: the good rows are not kept either.
    const body = Buffer.concat([Buffer.from(`${CSV_HEADER}\n${csvLine({ ...e!, residentId: swapSeq(e!.residentId, 820) })}\n`), randomBytes(64 * 1024)]);
    const res = await importFile(body);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "IMPORT_ENCODING", message: expect.stringContaining("neither UTF-8 nor GB18030") });
    expect(res.body.error!.message).not.toMatch(/IMPORT_ENCODING/);
    expect(await poolState()).toBe(before);
    for (const bytes of [randomBytes(4096), Buffer.from("姓名,身份证号\n张三,1\n"), Buffer.from("%PDF-1.7\n")]) {
      const x = await importFile(bytes, "?format=xlsx");
      expect(x.status, JSON.stringify(x.body)).toBe(422);
      expect(x.body.error).toMatchObject({ code: "IMPORT_NOT_XLSX", message: expect.stringContaining(".xlsx") });
    }
    // A ZIP that is not a workbook.
    const zip = Buffer.from("504b0304140000000000000000000000000000000000000000000000000000", "hex");
    expect((await importFile(zip, "?format=xlsx")).body.error).toMatchObject({ code: "IMPORT_NOT_XLSX" });
    expect(await poolState()).toBe(before);
  });

  it("a file without the needed columns → IMPORT_BAD_HEADER; non-admins may not import or browse", async () => {
    const res = await importFile("name,mobile\n张三,13800000000\n");
    expect(res.body).toMatchObject({ ok: false, error: { code: "IMPORT_BAD_HEADER", message: expect.stringContaining("residentId") } });
    expect((await importFile("x", "", agent.token)).status).toBe(403);
    for (const who of ["agent", "supervisor", "bidder", "expert"]) {
      const token = (await t.login(who)).token;
      expect((await t.api("GET", "/api/experts", { token })).status).toBe(403);
    }
    const list = await t.api<{ total: number; experts: { idMasked: string }[] }>("GET", "/api/experts?specialty=A0101&pageSize=3", { token: admin });
    expect(list.body).toMatchObject({ ok: true, data: { total: 6 } });
  });
});

describe("the draw: bad input", () => {
  const request = (over: Record<string, unknown> = {}): EventInput<"experts:requestDraw"> => ({
    projectId,
    lotId,
    evaluationAt: soon(),
    sites: [{ roomId: rooms.main, role: "main", needs: [{ specialtyCode: "A010101", count: 3, backups: 1 }, { specialtyCode: "A0102", count: 2 }] }],
    ...over,
  }) as EventInput<"experts:requestDraw">;

  it("a request the pool cannot fill names the site and specialty, how many are missing, and the exclusion that removed the most", async () => {
    const before = await poolState();
    const res = await call(agent.socket, "experts:requestDraw", request());
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe("POOL_SHORT");
    expect(res.error.message).toContain("第一评标室");
    expect(res.error.message).toContain("A010101");
    expect(res.error.message).toContain("needs 4 (3 + 1 backup)");
    expect(res.error.message).toContain("2 eligible of 6");
    expect(res.error.message).toContain("short by 2");
    expect(res.error.message).toContain("bidder-employer 投标人单位 (4)");
    expect(res.error.message).not.toContain("A0102"); // that bucket can be filled
    expect(res.error.details).toEqual([{ path: "sites.0.needs.0", message: expect.stringContaining("short by 2") }]);
    expect(await poolState()).toBe(before);
  });

  it("committee rules and malformed requests → COMMITTEE_RULES / VALIDATION_FAILED", async () => {
    const even = await call(agent.socket, "experts:requestDraw", request({ sites: [{ roomId: rooms.main, role: "main", needs: [{ specialtyCode: "A0102", count: 4 }] }] }));
    expect(even).toMatchObject({ ok: false, error: { code: "COMMITTEE_RULES", message: expect.stringContaining("odd") } });
    const reps = await call(agent.socket, "experts:requestDraw", request({ ownerRepresentatives: 2, sites: [{ roomId: rooms.main, role: "main", needs: [{ specialtyCode: "A0102", count: 3 }] }] }));
    expect(reps).toMatchObject({ ok: false, error: { code: "COMMITTEE_RULES", message: expect.stringContaining("2/3") } });
    const noMain = await call(agent.socket, "experts:requestDraw", request({ sites: [{ roomId: rooms.main, role: "secondary", needs: [{ specialtyCode: "A0102", count: 5 }] }] }));
    expect(noMain).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    const unknown = await call(agent.socket, "experts:requestDraw", request({ sites: [{ roomId: rooms.main, role: "main", needs: [{ specialtyCode: "A0999", count: 5 }] }] }));
    expect(unknown).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", details: [{ path: "sites.0.needs.0.specialtyCode" }] } });
    const badManual = await call(agent.socket, "experts:requestDraw", request({ manualExclusions: [{ residentId: "123", reason: "x" }] }));
    expect(badManual).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
  });

  it("a draw asked by a role that may not → FORBIDDEN, as is another agent's project", async () => {
    const ok = request({ sites: [{ roomId: rooms.main, role: "main", needs: [{ specialtyCode: "A0102", count: 5 }] }] });
    for (const who of ["bidder", "supervisor", "expert"]) {
      const s = await t.connect({ token: (await t.login(who)).token });
      expect(await call(s, "experts:requestDraw", ok)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
      expect(await call(s, "experts:draw", { drawId: "whatever" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    }
    const user = await t.app.db.user.create({ data: { username: "agent2", displayName: "招标代理 二", role: "agent", passwordHash: await hashPassword(DEMO_PASSWORD) } });
    const other = await t.connect({ token: (await t.login(user.username)).token });
    expect(await call(other, "experts:requestDraw", ok)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const http = await t.api("POST", "/api/expert-draws", { token: (await t.login("bidder")).token, body: ok });
    expect(http.status).toBe(403);
  });

  it("no draw for an evaluation that has started: at the request, and at the draw", async () => {
    const past = await call(agent.socket, "experts:requestDraw", request({ evaluationAt: new Date(Date.now() - 60_000).toISOString() }));
    expect(past).toMatchObject({ ok: false, error: { code: "EVALUATION_STARTED" } });
    const committed = await call(agent.socket, "experts:requestDraw", request({ sites: [{ roomId: rooms.main, role: "main", needs: [{ specialtyCode: "A0102", count: 5 }] }] }));
    if (!committed.ok) throw new Error(JSON.stringify(committed.error));
    const drawId = (committed.data as DrawCommitment).drawId;
    // Only one open draw per lot.
    const again = await call(agent.socket, "experts:requestDraw", request({ sites: [{ roomId: rooms.main, role: "main", needs: [{ specialtyCode: "A0102", count: 5 }] }] }));
    expect(again).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    await t.app.db.expertDraw.update({ where: { id: drawId }, data: { evaluationAt: new Date(Date.now() - 1000) } });
    const before = await poolState();
    expect(await call(agent.socket, "experts:draw", { drawId })).toMatchObject({ ok: false, error: { code: "EVALUATION_STARTED" } });
    expect(await poolState()).toBe(before);
    expect((await t.app.db.expertDraw.findUniqueOrThrow({ where: { id: drawId } })).seed).toBeNull();
    expect(await call(agent.socket, "experts:cancelDraw", { drawId, reason: "评标时间已过，重新抽取" })).toMatchObject({ ok: true, data: { status: "cancelled" } });
    expect(await call(agent.socket, "experts:draw", { drawId })).toMatchObject({ ok: false, error: { code: "STAGE_CONFLICT" } });
  });

  it("government procurement: at least 7 from 10 million yuan, and no draw earlier than 2 working days before", async () => {
    const procurement = await createLot(t, agent.token, { budgetFen: 1_200_000_000 }, { category: "procurement" });
    const body = (evaluationAt: string, count: number): EventInput<"experts:requestDraw"> => ({
      projectId: procurement.id,
      lotId: procurement.lots[0]!.id,
      evaluationAt,
      sites: [{ roomId: rooms.main, role: "main", needs: [{ specialtyCode: "A0102", count }] }],
    }) as EventInput<"experts:requestDraw">;
    expect(await call(agent.socket, "experts:requestDraw", body(soon(), 5))).toMatchObject({ ok: false, error: { code: "COMMITTEE_RULES", message: expect.stringContaining("at least 7") } });
    const far = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const c = await call(agent.socket, "experts:requestDraw", body(far, 7));
    if (!c.ok) throw new Error(JSON.stringify(c.error));
    expect(await call(agent.socket, "experts:draw", { drawId: c.data.drawId })).toMatchObject({ ok: false, error: { code: "DRAW_TOO_EARLY" } });
  });

  it("invitation links: unknown or malformed tokens are refused", async () => {
    expect((await t.api("POST", "/api/expert-invitations/answer", { body: { token: "A".repeat(32), decision: "accept", idLast4: "1234" } })).body).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect((await t.api("POST", "/api/expert-invitations/answer", { body: { token: "x", decision: "accept", idLast4: "1234" } })).body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    expect((await t.api("POST", "/api/expert-invitations/answer", { body: { token: "A".repeat(32), decision: "maybe", idLast4: "1234" } })).body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    // The proof (last 4 of the ID number) is required and checked for shape before any look-up.
    expect((await t.api("POST", "/api/expert-invitations/answer", { body: { token: "A".repeat(32), decision: "accept" } })).body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", details: [{ path: "idLast4" }] } });
  });

  it("specialty trees that do not nest are refused", async () => {
    await ensureSampleTree(t.app.db, cliActor);
    const bad = await t.api("POST", "/api/expert-specialties", { token: admin, body: { nodes: [{ code: "B01", name: "其他", children: [{ code: "C0101", name: "错位" }] }] } });
    expect(bad.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    const good = await t.api("POST", "/api/expert-specialties", { token: admin, body: { nodes: [{ code: "B01", name: "其他", children: [{ code: "B0101", name: "新专业" }] }] } });
    expect(good.body).toMatchObject({ ok: true, data: { added: 2 } });
    const list = await t.api<{ code: string }[]>("GET", "/api/expert-specialties", { token: agent.token });
    expect(list.body.ok && list.body.data.some((s) => s.code === "B0101")).toBe(true);
  });
});

describe("the CLI", () => {
  it("npm run experts -- import FILE: refuses a bad file (exit 1, lines listed), imports a good one", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dir, NODE_ENV: "test" };
    const good = makeExperts(50, ["A0201"], { seed: 41, cities: [7] }).map((e, i) => ({ ...e, residentId: swapSeq(e.residentId, 800 + i) }));
    const file = join(t.dir, "cli.csv");
    writeFileSync(file, [CSV_HEADER, ...good.map(csvLine), csvLine({ ...good[0]!, name: "重复" })].join("\n") + "\n");
    const before = await poolState();
    const bad = await run(process.execPath, ["--import", "tsx", "server/experts/cli.ts", "import", file], { env }).then(
      () => ({ code: 0, stdout: "" }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("NOTHING IMPORTED");
    expect(bad.stdout).toContain("line 52: residentId: duplicate expert: the same ID number is on line 2");
    expect(await poolState()).toBe(before);
    writeFileSync(file, [CSV_HEADER, ...good.map(csvLine)].join("\n") + "\n");
    const ok = await run(process.execPath, ["--import", "tsx", "server/experts/cli.ts", "import", file], { env });
    expect(ok.stdout).toContain("imported 50 of 50 rows");
    expect(await t.app.db.expert.count()).toBe(JSON.parse(before).experts + 50);
    const fair = await run(process.execPath, ["--import", "tsx", "server/experts/cli.ts", "fairness", "--from", "2026-01-01", "--to", "2027-01-01", "--json"], { env });
    expect(JSON.parse(fair.stdout)).toMatchObject({ poolActive: expect.any(Number), gini: expect.any(Number) });
  }, 60_000);
});
