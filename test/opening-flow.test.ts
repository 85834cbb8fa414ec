// The whole opening over real sockets: three bidders seal with openssl (both
// paddings, DER and PEM, -stream), the projector follows from the room stream,
// keys are recovered on the bidders' side, one bid is opened from escrow by two
// supervisors, the draw replays, confirmations and an objection go on the
// record, and the signed opening record is checked with pdftotext and pdfsig.
import { execFile, execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpeningBidderState, OpeningPublicState, ProjectView } from "@contracts/opening";
import type { RoomScreenState } from "@contracts/rooms";
import { LiveStreamClient } from "@contracts/live-client";
import { call, startTestApp, until, type TestApp, type TestSocket } from "./helpers/app";
import { bidJson, bidZip, bidderKits, createLot, passDeadline, recoverKeyHex, sealWithOpenssl, uploadBid, type BidderKit } from "./helpers/opening";
import { verifyAudit } from "../server/audit/chain";
import { OPENSSL_KEY_RECOVERY_SH } from "../server/opening/sealing/openssl-recipe";
import { pdfSignatures } from "./helpers/pdf";

const run = promisify(execFile);
let t: TestApp;
let dir: string;
let kits: BidderKit[];
let agent: { token: string; socket: TestSocket };
let project: ProjectView;
let lotId: string;
let lotCode: string;
const envelopes: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  ({ dir, kits } = await bidderKits(t));
  const a = await t.login("agent");
  agent = { token: a.token, socket: await t.connect({ token: a.token }) };
  project = await createLot(t, a.token, {
    draw: {
      kind: "coefficient",
      options: ["A", "B", "C", "D", "E", "F"].map((label, i) => ({ label, basisPoints: [150, 125, 100, 75, 50, 25][i]! })),
    },
    bidFields: [{ key: "durationDays", label: "工期", type: "integer", required: true }],
  });
  lotId = project.lots[0]!.id;
  lotCode = project.lots[0]!.code;
}, 120_000);
afterAll(() => t.close());

const bidderSocket = (k: BidderKit) => t.connect({ token: k.token });

describe("a full opening", () => {
  it("accepts sealed bids before the deadline and returns receipts anyone can verify with openssl", async () => {
    const escrowCert = join(dir, "escrow.pem");
    writeFileSync(escrowCert, project.lots[0]!.escrowCertPem);
    const [k1, k2, k3] = kits as [BidderKit, BidderKit, BidderKit];
    envelopes.bidder = sealWithOpenssl(dir, "b1", bidZip(bidJson(lotCode, k1.creditCode, "9650000.00")), [k1.certFile, escrowCert]);
    envelopes.bidder2 = sealWithOpenssl(dir, "b2", bidZip(bidJson(lotCode, k2.creditCode, 9_720_000.5)), [k2.certFile, escrowCert], { oaep: true, pem: true, stream: true });
    // bidder3 first submits, then replaces its bid (aes128) before the deadline.
    const first = sealWithOpenssl(dir, "b3a", bidZip(bidJson(lotCode, k3.creditCode, "9999999.99")), [k3.certFile, escrowCert]);
    envelopes.bidder3 = sealWithOpenssl(dir, "b3", bidZip(bidJson(lotCode, k3.creditCode, "9588000")), [k3.certFile, escrowCert], { cipher: "aes128" });

    for (const [k, file] of [[k1, envelopes.bidder], [k2, envelopes.bidder2], [k3, first], [k3, envelopes.bidder3]] as const) {
      const res = await uploadBid(t, k.token, lotId, file!);
      expect(res.status).toBe(200);
      const sha = execFileSync("sha256sum", [file!]).toString().split(" ")[0];
      expect(res.body.data!.receipt.sha256).toBe(sha);
      // Verify the receipt with nothing but openssl and the published platform certificate.
      const cert = await t.api<{ certificatePem: string }>("GET", "/api/platform/certificate");
      if (!cert.body.ok) throw new Error("no platform certificate");
      writeFileSync(join(dir, "platform.pem"), cert.body.data.certificatePem);
      writeFileSync(join(dir, "receipt.json"), res.body.data!.receiptJson);
      writeFileSync(join(dir, "receipt.sig"), Buffer.from(res.body.data!.signature, "base64"));
      execFileSync("sh", ["-c", "openssl x509 -in platform.pem -pubkey -noout > platform.pub"], { cwd: dir });
      const v = execFileSync("openssl", ["dgst", "-sha256", "-verify", "platform.pub", "-signature", "receipt.sig", "receipt.json"], { cwd: dir });
      expect(v.toString()).toContain("Verified OK");
    }
    const bids = await t.app.db.bid.findMany({ where: { lotId }, orderBy: { submittedAt: "asc" } });
    expect(bids.map((b) => b.status)).toEqual(["sealed", "sealed", "replaced", "sealed"]);
  });

  it("runs the opening live; the projector switches by itself and never sees sealed content early", async () => {
    await passDeadline(t, lotId);
    const projectorKey = t.devices.find((d) => d.code === "K01-PJ")!.key;
    const projector = await t.connect({ deviceKey: projectorKey }, { reconnection: true });
    const roomId = project.lots[0]!.roomId;
    const room = new LiveStreamClient<RoomScreenState>(projector, `room:${roomId}`).start();
    const seen: OpeningPublicState[] = [];
    let screen: LiveStreamClient<OpeningPublicState> | undefined;
    await until(() => room.version > 0, 3000, "room joined");

    expect(await call(agent.socket, "opening:open", { lotId })).toMatchObject({ ok: true, data: { stage: "signin" } });
    // The projector follows the room's pointer to the session stream, as the screen does.
    await until(() => room.state?.session?.lotId === lotId, 3000, "room points at the opening");
    screen = new LiveStreamClient<OpeningPublicState>(projector, room.state!.session!.stream, { onState: (s) => seen.push(structuredClone(s)) }).start();
    await until(() => screen!.state?.stage === "signin", 3000, "projector on the session");
    expect(screen.state!.draw?.seedHash).toMatch(/^[0-9a-f]{64}$/);
    expect(screen.state!.draw?.seed).toBeNull();
    expect(screen.state!.bidders).toEqual([]); // the list is published by the agent, not before

    const sockets = await Promise.all(kits.map(bidderSocket));
    const [s1, s2, s3] = sockets as [TestSocket, TestSocket, TestSocket];
    const mine = new LiveStreamClient<OpeningBidderState>(s1, `opening:${lotId}:company:${kits[0]!.companyId}`).start();
    expect(await call(s1, "opening:signIn", { lotId, mode: "onsite" })).toEqual({ ok: true, data: { signedIn: "onsite" } });
    expect((await call(s2, "opening:signIn", { lotId, mode: "online" })).ok).toBe(true);
    expect((await call(s3, "opening:signIn", { lotId, mode: "online" })).ok).toBe(true);
    expect(await call(s1, "opening:submitKey", { lotId, keyHex: "00".repeat(32) })).toMatchObject({ ok: false, error: { code: "KEY_BEFORE_WINDOW" } });

    expect((await call(agent.socket, "opening:publishBidders", { lotId })).ok).toBe(true);
    expect((await call(agent.socket, "opening:startDecryption", { lotId })).ok).toBe(true);
    await until(() => screen!.state?.stage === "decrypting" && screen!.state.countdown !== null, 3000, "countdown");
    expect(screen.state!.bidders.map((b) => b.signedIn).sort()).toEqual(["online", "online", "onsite"]);

    // Wrong key: a clear error, the try is counted, and another try works.
    const wrong = await call(s1, "opening:submitKey", { lotId, keyHex: "11".repeat(32) });
    expect(wrong).toMatchObject({ ok: false, error: { code: "ENVELOPE_WRONG_KEY" } });
    await until(() => mine.state?.bid?.decryptTries === 1 && mine.state.bid.lastError !== null, 3000, "own view shows the failed try");
    const k1 = await recoverKeyHex(envelopes.bidder!, kits[0]!);
    const ok1 = await call(s1, "opening:submitKey", { lotId, keyHex: k1 });
    expect(ok1).toMatchObject({ ok: true, data: { summary: { priceFen: 965_000_000, durationDays: 180 } } });

    // bidder2 recovers its key with nothing but the OpenSSL command line (its envelope is PEM, OAEP, -stream).
    const recipe = join(dir, "recover-key.sh");
    writeFileSync(recipe, OPENSSL_KEY_RECOVERY_SH);
    execFileSync("openssl", ["asn1parse", "-inform", "PEM", "-in", envelopes.bidder2!, "-noout", "-out", join(dir, "b2.der")]);
    const k2 = (await run("sh", [recipe, join(dir, "b2.der"), kits[1]!.certFile, kits[1]!.keyFile])).stdout.trim();
    const ok2 = await call(s2, "opening:submitKey", { lotId, keyHex: k2 });
    expect(ok2).toMatchObject({ ok: true, data: { summary: { priceFen: 972_000_050 } } });

    // While the window is open, no price is on any public screen.
    const publicJson = JSON.stringify(seen);
    expect(publicJson).not.toContain("965000000");
    expect(publicJson).not.toContain("972000050");
    expect(screen.state!.announcements).toEqual([]);

    // bidder3's decryption "fails through the platform's fault": the window cannot be cut short for it,
    // the agent records the fault, and two supervisors rebuild the escrow key on the record.
    expect(await call(agent.socket, "opening:endDecryption", { lotId })).toMatchObject({ ok: false, error: { code: "WINDOW_STILL_OPEN" } });
    const bid3 = await t.app.db.bid.findFirstOrThrow({ where: { lotId, companyId: kits[2]!.companyId, status: "sealed" } });
    expect((await call(agent.socket, "opening:markPlatformFault", { bidId: bid3.id, reason: "签章服务故障" })).ok).toBe(true);
    const sup1 = await t.login("supervisor");
    const sup2 = await t.login("supervisor2");
    const share1 = await t.api<{ share: string }>("GET", `/api/lots/${lotId}/escrow-share`, { token: sup1.token });
    const share2 = await t.api<{ share: string }>("GET", `/api/lots/${lotId}/escrow-share`, { token: sup2.token });
    if (!share1.body.ok || !share2.body.ok) throw new Error("shares");
    expect((await t.api("GET", `/api/lots/${lotId}/escrow-share`, { token: sup1.token })).body).toMatchObject({ ok: false, error: { code: "ESCROW_SHARE_COLLECTED" } });
    const supSock1 = await t.connect({ token: sup1.token });
    const supSock2 = await t.connect({ token: sup2.token });
    expect(await call(supSock1, "opening:submitEscrowShare", { bidId: bid3.id, share: share1.body.data.share })).toMatchObject({ ok: true, data: { sharesHeld: 1, opened: false } });
    expect(await call(supSock2, "opening:submitEscrowShare", { bidId: bid3.id, share: share2.body.data.share })).toMatchObject({
      ok: true,
      data: { sharesHeld: 2, opened: true, summary: { priceFen: 958_800_000 } },
    });

    expect((await call(agent.socket, "opening:endDecryption", { lotId })).ok).toBe(true);
    await until(() => screen!.state?.stage === "announcing" && screen!.state.announcements.length === 3, 3000, "announcement cards");
    expect(screen.state!.announcements.map((a) => a.summary.priceFen).sort()).toEqual([958_800_000, 965_000_000, 972_000_050]);
    // The escrow use is on the card: by whom and when; the fault and its reason on the bidder row.
    const escrowCard = screen.state!.announcements.find((a) => a.summary.priceFen === 958_800_000)!;
    expect(escrowCard.escrowOpened?.supervisors).toEqual(["监督 赵刚", "监督 孙丽"]);
    expect(screen.state!.announcements.filter((a) => a.escrowOpened !== null)).toHaveLength(1);
    const row3 = screen.state!.bidders.find((b) => b.bidId === bid3.id)!;
    expect(row3).toMatchObject({ bidStatus: "decrypted", platformFault: { reason: "签章服务故障" }, escrowOpened: { supervisors: ["监督 赵刚", "监督 孙丽"] } });

    // The draw: committed hash first, the seed revealed at the draw, the result follows.
    expect((await call(agent.socket, "opening:startDraw", { lotId })).ok).toBe(true);
    const reveal = await call(agent.socket, "opening:revealDraw", { lotId });
    expect(reveal.ok).toBe(true);
    await until(() => screen!.state?.draw?.result !== null && screen!.state?.draw?.result !== undefined, 3000, "draw on screen");
    expect(screen.state!.draw!.seed).toMatch(/^[0-9a-f]{64}$/);
    const rec = await t.api("GET", `/api/lots/${lotId}/draw-record`, { token: kits[0]!.token });
    if (!rec.body.ok) throw new Error("draw record");
    writeFileSync(join(dir, "draw.json"), JSON.stringify(rec.body.data));
    const verify = await run(process.execPath, ["--import", "tsx", "scripts/verify-draw.ts", "--file", join(dir, "draw.json")]);
    expect(verify.stdout).toContain("MATCHES");
    const tampered = { ...(rec.body.data as Record<string, unknown>), seed: "0".repeat(64) };
    writeFileSync(join(dir, "draw-bad.json"), JSON.stringify(tampered));
    const bad = await run(process.execPath, ["--import", "tsx", "scripts/verify-draw.ts", "--file", join(dir, "draw-bad.json")]).then(
      () => ({ code: 0, out: "" }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("DOES NOT MATCH");

    // Confirmation within the time limit; an objection answered on the record; silence is recorded at the limit.
    expect((await call(agent.socket, "opening:startConfirmation", { lotId })).ok).toBe(true);
    expect((await call(s1, "opening:confirm", { lotId, decision: "confirm" })).ok).toBe(true);
    expect(await call(s2, "opening:confirm", { lotId, decision: "object" })).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    expect((await call(s2, "opening:confirm", { lotId, decision: "object", text: "我方报价唱标有误，应为九百七十二万元零五角" })).ok).toBe(true);
    expect(await call(agent.socket, "opening:close", { lotId })).toMatchObject({ ok: false, error: { code: "CONFIRMATION_PENDING" } });
    await until(() => screen!.state?.objections.length === 1, 3000, "objection on screen");
    const objectionId = screen.state!.objections[0]!.id;
    expect((await call(agent.socket, "opening:answerObjection", { objectionId, answer: "经核对，唱标金额为 9720000.50 元，与投标文件一致。" })).ok).toBe(true);
    await t.app.db.openingSession.update({ where: { lotId }, data: { confirmEndsAt: new Date(Date.now() - 1) } });
    const { armTimers } = await import("../server/opening/session");
    armTimers(t.app.ctx, lotId);
    await until(() => screen!.state?.tally.timedOut === 1, 3000, "timeout recorded by the timer");
    expect(screen.state!.tally).toEqual({ confirmed: 1, objected: 1, timedOut: 1, pending: 0 });

    const closed = await call(agent.socket, "opening:close", { lotId });
    expect(closed).toMatchObject({ ok: true, data: { stage: "closed" } });
    await until(() => screen!.state?.stage === "closed", 3000, "closed on screen");
    await until(() => room.state?.session === null, 3000, "room back to idle");
    room.stop();
    screen.stop();
    mine.stop();
  });

  it("issues a signed Chinese opening record that pdftotext reads and pdfsig validates", async () => {
    const res = await fetch(`${t.url}/api/lots/${lotId}/opening-record.pdf`, { headers: { authorization: `Bearer ${kits[1]!.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/pdf");
    const file = join(dir, "record.pdf");
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const text = execFileSync("pdftotext", ["-layout", file, "-"]).toString();
    for (const s of ["开标记录表", "华建集团有限公司", "江南路桥工程有限公司", "远洋建设股份有限公司", "9650000.00", "9720000.50", "9588000.00", "唱标金额"]) {
      expect(text).toContain(s);
    }
    // The escrow use and the platform fault with its reason are printed (pdftotext may wrap table cells: spaces out).
    const flat = text.replace(/\s+/g, "");
    for (const s of ["由监督人托管密钥解密", "监督赵刚、监督孙丽", "签章服务故障", "平台原因解密失败及托管解密记录"]) expect(flat).toContain(s);
    const signatures = await pdfSignatures(t, file);
    expect(signatures).toHaveLength(1);
    expect(signatures[0]).toMatchObject({ valid: true, trusted: true });
  });

  it("keeps the audit chain whole and leaves no stray files", async () => {
    expect(await verifyAudit(t.app.db)).toMatchObject({ ok: true });
    const files = readdirSync(join(t.dir, "bids", lotId));
    expect(files.filter((f) => f.endsWith(".upload"))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".zip"))).toHaveLength(3);
  });
});
