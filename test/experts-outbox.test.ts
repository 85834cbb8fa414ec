// The notification outbox and the invitation's proof, over real HTTP and
// sockets with a real database: the default notifier keeps every message; an
// administrator (and a supervisor) reads the invitations after the draw and a
// sign-in code after it was asked for, and that code signs the expert in; other
// roles are refused. Answering a link needs the last 4 of the ID number: a wrong
// one is refused and counted (5 in all, even in parallel), then the link locks;
// nothing else changes. No log line ever holds a whole invitation token or code.
// ID numbers born after today are refused wherever they come in.
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboxList } from "@contracts/outbox";
import { residentIdCheckChar } from "@contracts/ids";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { createLot } from "./helpers/opening";
import { cliActor, idLast4For, makeExperts, seedPool } from "./helpers/experts";
import { createLogger } from "../server/logger";
import { ConsoleNotifier, type ExpertMessage, type ExpertNotifier } from "../server/experts/notifier";
import { OutboxNotifier } from "../server/experts/outbox";
import { maskName } from "../server/experts/identity";
import { importExperts } from "../server/experts/importer";
import { CSV_HEADER, csvLine, type SynthExpert } from "../server/experts/synth";
import { demoExperts } from "../server/seed/content";

let t: TestApp;
let admin: string;
let supervisor: string;
let agent: { token: string; socket: TestSocket };
let pool: SynthExpert[];
let drawId: string;
const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(chunk.toString());
    done();
  },
});
const logger = createLogger({ env: "test", log: { level: "trace", pretty: false } }, sink);

/** Born after today: the year after this one (Asia/Shanghai), a valid check character otherwise. */
const futureId = (() => {
  const y = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear() + 1;
  const first17 = `320506${y}0101123`;
  return first17 + residentIdCheckChar(first17)!;
})();

const outbox = (token: string, q = "") => t.api<OutboxList>("GET", `/api/notifications${q}`, { token });
const tokenOf = (link: string) => /#t=([A-Za-z0-9_-]+)$/.exec(link)![1]!;
const answer = (token: string, decision: "accept" | "decline", idLast4?: string) =>
  t.api<{ state: string }>("POST", "/api/expert-invitations/answer", { body: { token, decision, ...(idLast4 !== undefined ? { idLast4 } : {}) } });

beforeAll(async () => {
  t = await startTestApp();
  // The default notifier is the outbox; here with a log we can read.
  expect(t.app.ctx.config.experts.notifier.kind).toBe("outbox");
  expect(t.app.ctx.experts.notifier.name).toBe("outbox");
  t.app.ctx.log = logger;
  t.app.ctx.experts.notifier = new OutboxNotifier(t.app.db, logger.child({ mod: "experts-notify" }));
  admin = (await t.login("admin")).token;
  supervisor = (await t.login("supervisor")).token;
  const a = await t.login("agent");
  agent = { token: a.token, socket: await t.connect({ token: a.token }) };
  const project = await createLot(t, a.token);
  pool = makeExperts(12, ["A010101"], { seed: 41 }).map((e, i) => {
    const first17 = `${e.regionCode}1971${String(1 + (i % 12)).padStart(2, "0")}${String(1 + (i % 28)).padStart(2, "0")}${String(700 + i).padStart(3, "0")}`;
    return { ...e, residentId: first17 + residentIdCheckChar(first17)! };
  });
  await seedPool(t, pool);
  const rooms = await t.app.db.room.findMany();
  const req = await call(agent.socket, "experts:requestDraw", {
    projectId: project.id,
    lotId: project.lots[0]!.id,
    evaluationAt: new Date(Date.now() + 3_600_000).toISOString(),
    sites: [{ roomId: rooms.find((r) => r.code === "P01")!.id, role: "main", needs: [{ specialtyCode: "A010101", count: 5, backups: 1 }] }],
  });
  if (!req.ok) throw new Error(JSON.stringify(req.error));
  drawId = req.data.drawId;
  const drawn = await call(agent.socket, "experts:draw", { drawId });
  if (!drawn.ok) throw new Error(JSON.stringify(drawn.error));
  await until(async () => (await t.app.db.notificationOutbox.count({ where: { kind: "invitation" } })) === 5, 5000, "5 invitations in the outbox");
}, 60_000);
afterAll(() => t?.close());

describe("the notification outbox", () => {
  it("an administrator and a supervisor read every invitation as sent: time, recipient, channel, text with the whole link", async () => {
    for (const token of [admin, supervisor]) {
      const asAdmin = token === admin;
      const res = await outbox(token);
      expect(res.status).toBe(200);
      if (!res.body.ok) throw new Error(JSON.stringify(res.body));
      const { items, total, notifier } = res.body.data;
      expect(notifier).toBe("outbox");
      expect(total).toBe(5);
      expect(items).toHaveLength(5);
      for (const m of items) {
        expect(m).toMatchObject({ kind: "invitation", channel: "sms", status: "outbox", error: null, code: null, recipient: { demoResidentId: null } });
        expect(m.link).toMatch(/\/invite#t=[A-Za-z0-9_-]{20,}$/);
        expect(m.text).toContain(m.link!);
        expect(m.recipient.mobileMasked).toMatch(/^1\d{2}\*{4}\d{4}$/);
        // Administrators (who keep the pool) read the name; supervisors a masked one, as in the draw's audit.
        const expert = pool.find((e) => (asAdmin ? e.name : maskName(e.name)) === m.recipient.name && `${e.mobile.slice(0, 3)}****${e.mobile.slice(-4)}` === m.recipient.mobileMasked);
        expect(expert, m.recipient.name).toBeDefined();
        if (!asAdmin) expect(pool.some((e) => e.name === m.recipient.name)).toBe(false);
        expect(m.recipient.mobileMasked).toBe(`${expert!.mobile.slice(0, 3)}****${expert!.mobile.slice(-4)}`);
        expect(Date.parse(m.at)).toBeGreaterThan(Date.now() - 60_000);
      }
      // The links are the real ones: each token finds its seat.
      const picks = await t.app.db.expertPick.findMany({ where: { drawId, state: "notified" } });
      expect(new Set(items.map((m) => tokenOf(m.link!))).size).toBe(5);
      expect(picks).toHaveLength(5);
    }
  });

  it("is refused to bidders, agents, experts (403) and to anyone not logged in (401); a bad query is a 400", async () => {
    for (const who of ["bidder", "agent", "expert"]) {
      const res = await outbox((await t.login(who)).token);
      expect(res.status, who).toBe(403);
      expect(res.body).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    }
    expect((await t.api("GET", "/api/notifications")).status).toBe(401);
    for (const q of ["?limit=0", "?limit=abc", "?kind=letter", "?before=yesterday"]) {
      const res = await outbox(admin, q);
      expect(res.status, q).toBe(400);
      expect(res.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    }
    const one = await outbox(admin, "?limit=2&kind=invitation");
    expect(one.body.ok && one.body.data.items.length).toBe(2);
    const older = await outbox(admin, `?limit=50&before=${encodeURIComponent(one.body.ok ? one.body.data.items[1]!.at : "")}`);
    expect(older.body.ok && older.body.data.items.every((m) => one.body.ok && Date.parse(m.at) < Date.parse(one.body.data.items[1]!.at))).toBe(true);
  });

  it("a sign-in code asked for at a terminal shows in the outbox, and that code signs the expert in", async () => {
    const res = await outbox(admin, "?kind=invitation");
    if (!res.body.ok) throw new Error("outbox");
    const m = res.body.data.items.at(-1)!;
    const expert = pool.find((e) => e.name === m.recipient.name)!;
    const terminal = await t.connect({ deviceKey: t.devices.find((d) => d.code === "P01-ET1")!.key });
    expect((await call(terminal, "experts:signInStart", { residentId: expert.residentId })).ok).toBe(true);
    const codes = await outbox(admin, "?kind=sign-in-code");
    if (!codes.body.ok) throw new Error("outbox");
    expect(codes.body.data.items).toHaveLength(1);
    const c = codes.body.data.items[0]!;
    expect(c).toMatchObject({ kind: "sign-in-code", channel: "sms", status: "outbox", link: null, recipient: { name: expert.name } });
    expect(c.code).toMatch(/^\d{6}$/);
    expect(c.text).toContain(c.code!);
    const done = await call(terminal, "experts:signInFinish", { residentId: expert.residentId, code: c.code! });
    expect(done).toMatchObject({ ok: true, data: { name: expert.name } });
  });

  it("shows a demo expert's ID number (the synthetic pool's are public), nobody else's", async () => {
    const demo = demoExperts().find((e) => e.status === "active")!;
    const created = await t.api<{ id: number }>("POST", "/api/experts", {
      token: admin,
      body: { name: demo.name, residentId: demo.residentId, mobile: demo.mobile, specialties: ["A010101"], regionCode: demo.regionCode, regionName: demo.regionName, employerName: demo.employerName, employerCreditCode: demo.employerCreditCode, title: demo.title },
    });
    if (!created.body.ok) throw new Error(JSON.stringify(created.body));
    await t.app.ctx.experts.notifier.send({ kind: "cancelled", to: demo.mobile, text: "【评标专家抽取】演示取消通知", drawId, pickId: "", projectCode: "DEMO", recipient: { name: demo.name, expertId: created.body.data.id } });
    const res = await outbox(admin);
    if (!res.body.ok) throw new Error("outbox");
    const withIds = res.body.data.items.filter((m) => m.recipient.demoResidentId !== null);
    expect(withIds.map((m) => [m.kind, m.recipient.demoResidentId])).toEqual([["cancelled", demo.residentId]]);
  });

  it("beside a gateway: the gateway gets the message, the outbox keeps it masked with the status; a failed delivery is kept as failed and rejects", async () => {
    const got: ExpertMessage[] = [];
    let fail = false;
    const gateway: ExpertNotifier = {
      name: "webhook",
      send: async (m) => {
        if (fail) throw new Error("webhook https://sms.example/hook: HTTP 503");
        got.push(m);
      },
    };
    const n = new OutboxNotifier(t.app.db, logger, gateway);
    const token = "G".repeat(10) + "secretsecretsecret";
    const msg: ExpertMessage = { kind: "invitation", to: "13900001111", text: `邀请 http://x/invite#t=${token} 请答复`, drawId, pickId: "p-gw", projectCode: "GW", token, link: `http://x/invite#t=${token}`, recipient: { name: "网关测试" } };
    await n.send(msg);
    expect(got).toHaveLength(1);
    expect(got[0]!.link).toContain(token);
    fail = true;
    await expect(n.send({ ...msg, pickId: "p-gw2" })).rejects.toThrow(/503/);
    const rows = await t.app.db.notificationOutbox.findMany({ where: { pickId: { in: ["p-gw", "p-gw2"] } }, orderBy: { pickId: "asc" } });
    expect(rows.map((r) => r.status)).toEqual(["delivered", "failed"]);
    for (const r of rows) {
      expect(r.text).not.toContain(token);
      expect(r.link).not.toContain(token);
      expect(r.link).toContain("#t=GGGGGG…");
    }
    expect(rows[1]!.error).toMatch(/HTTP 503/);
  });
});

describe("answering an invitation needs the last 4 of the ID number", () => {
  let links: { token: string; to: string }[];
  const stateOf = (token: string) => t.app.db.expertPick.findUniqueOrThrow({ where: { tokenHash: createHash("sha256").update(token).digest("hex") } });
  beforeAll(async () => {
    const res = await outbox(admin, "?kind=invitation");
    if (!res.body.ok) throw new Error("outbox");
    // The draw's invitations still waiting for an answer (one expert signed in above).
    links = [];
    for (const m of res.body.data.items.filter((x) => x.status === "outbox")) {
      const token = tokenOf(m.link!);
      if ((await stateOf(token)).state === "notified") links.push({ token, to: pool.find((e) => e.name === m.recipient.name)!.mobile });
    }
    expect(links).toHaveLength(4);
  });
  const seats = async () => (await t.app.db.expertPick.findMany({ where: { drawId }, orderBy: { seq: "asc" } })).map((p) => [p.seq, p.state]);
  const wrong = (right: string) => (right === "1234" ? "4321" : "1234");

  it("refuses a missing or malformed proof (400), nothing changes", async () => {
    const l = links[0]!;
    const before = await seats();
    for (const proof of [undefined, "", "12", "12345", "12a4", "X123"]) {
      const res = await answer(l.token, "accept", proof);
      expect(res.status, String(proof)).toBe(400);
      expect(res.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    }
    expect(await seats()).toEqual(before);
    expect((await stateOf(l.token)).answerTries).toBe(0);
  });

  it("a wrong proof is refused and counted, 5 in all; then even the right one is refused (locked); nothing else changes", async () => {
    const l = links[0]!;
    const right = idLast4For(pool, l.to);
    const before = await seats();
    for (let i = 1; i <= 5; i++) {
      const res = await answer(l.token, "accept", wrong(right));
      expect(res.body).toMatchObject({ ok: false, error: { code: "INVITE_PROOF_WRONG", message: expect.stringContaining(`${5 - i} tries left`) } });
    }
    expect(await answer(l.token, "accept", right)).toMatchObject({ body: { ok: false, error: { code: "INVITE_LOCKED" } } });
    expect(await answer(l.token, "decline", right)).toMatchObject({ body: { ok: false, error: { code: "INVITE_LOCKED" } } });
    expect(await seats()).toEqual(before);
    expect(await stateOf(l.token)).toMatchObject({ state: "notified", answerTries: 5, answeredAt: null });
  });

  it("parallel guesses get 5 comparisons in all", async () => {
    const l = links[1]!;
    const right = idLast4For(pool, l.to);
    const guesses = Array.from({ length: 12 }, (_, i) => String(1000 + i)).filter((g) => g !== right);
    const results = await Promise.all(guesses.map((g) => answer(l.token, "accept", g)));
    const codes = results.map((r) => (r.body.ok ? "ok" : r.body.error.code));
    expect(codes.filter((c) => c === "INVITE_PROOF_WRONG")).toHaveLength(5);
    expect(codes.filter((c) => c === "INVITE_LOCKED")).toHaveLength(guesses.length - 5);
    expect((await stateOf(l.token)).state).toBe("notified");
  });

  it("a wrong proof cannot decline either (no replacement is called); the right one accepts or declines", async () => {
    const l = links[2]!;
    const right = idLast4For(pool, l.to);
    const before = await seats();
    expect(await answer(l.token, "decline", wrong(right))).toMatchObject({ status: 422, body: { ok: false, error: { code: "INVITE_PROOF_WRONG" } } });
    expect(await seats()).toEqual(before);
    expect(await answer(l.token, "accept", right.toLowerCase())).toMatchObject({ body: { ok: true, data: { state: "accepted" } } });
    const d = links[3]!;
    expect(await answer(d.token, "decline", idLast4For(pool, d.to))).toMatchObject({ body: { ok: true, data: { state: "declined" } } });
  });
});

describe("ID numbers born after today are refused", () => {
  it("by the admin's add (HTTP), the pool import and the terminal sign-in, with a zh/en message", async () => {
    const e = pool[0]!;
    const add = await t.api("POST", "/api/experts", {
      token: admin,
      body: { name: "未来人", residentId: futureId, mobile: "13911112222", specialties: ["A010101"], regionCode: e.regionCode, regionName: e.regionName, employerName: e.employerName, employerCreditCode: e.employerCreditCode, title: e.title },
    });
    expect(add.status).toBe(400);
    expect(add.body).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", details: [{ path: "residentId", message: expect.stringMatching(/出生日期 \d{4}-01-01 晚于今天.*in the future/) }] } });
    expect(await t.app.db.expert.count({ where: { name: "未来人" } })).toBe(0);

    const file = join(t.dir, "future.csv");
    writeFileSync(file, [CSV_HEADER, csvLine({ ...e, name: "未来人", residentId: futureId, mobile: "13911112222" })].join("\n") + "\n");
    const report = await importExperts({ databaseUrl: t.config.databaseUrl, box: t.app.ctx.box, ids: t.app.ctx.experts.ids }, { file, format: "csv", policy: "all-or-nothing", actor: cliActor });
    expect(report.committed).toBe(false);
    expect(JSON.stringify(report.errors)).toContain("晚于今天");
    expect(await t.app.db.expert.count({ where: { name: "未来人" } })).toBe(0);

    const terminal = await t.connect({ deviceKey: t.devices.find((d) => d.code === "P01-ET2")!.key });
    expect(await call(terminal, "experts:signInStart", { residentId: futureId })).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED", details: [{ path: "residentId", message: expect.stringContaining("in the future") }] } });
    // Today's own date is fine (born today).
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll("-", "");
    const first17 = `320506${today}123`;
    const r = await call(terminal, "experts:signInStart", { residentId: first17 + residentIdCheckChar(first17)! });
    expect(!r.ok && r.error.code).toBe("NOT_ON_COMMITTEE");
  });
});

describe("logs never hold a whole invitation token or sign-in code", () => {
  it("the outbox and console notifiers log masked messages only (pino output captured)", async () => {
    const console = new ConsoleNotifier(logger);
    const token = "Tk" + "z".repeat(40);
    await console.send({ kind: "invitation", to: "13800000001", text: `请答复 http://x/invite#t=${token}`, drawId, pickId: "c1", projectCode: "C", token, link: `http://x/invite#t=${token}` });
    await console.send({ kind: "sign-in-code", to: "13800000001", text: "签到验证码 482913，5 分钟内有效", drawId, pickId: "c2", projectCode: "C", code: "482913" });
    const all = logLines.join("");
    expect(all).toContain("#t=Tkzzzz…");
    expect(all).not.toContain(token);
    expect(all).not.toContain("482913");
    expect(all).not.toContain("13800000001");

    const rows = await t.app.db.notificationOutbox.findMany({ where: { status: "outbox" } });
    const secrets = rows.flatMap((r) => [r.link ? tokenOf(r.link) : null, r.code]).filter((x): x is string => !!x);
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    // The notifier did log each message (masked), so the capture works.
    expect(logLines.filter((l) => l.includes("expert invitation → outbox")).length).toBeGreaterThanOrEqual(5);
    for (const s of secrets) expect(all, s).not.toContain(s);
  });
});
