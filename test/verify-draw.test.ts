// npm run verify-draw -- --file F, run as the user runs it (a child process): the
// API's answer saved as it came or its bare data both replay; a wrong file is named
// in one readable sentence (exit 2), never with a stack trace.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { DrawConfig } from "@contracts/opening";
import { computeDraw, newSeed, seedHash } from "../server/opening/draws";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "verify-draw-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config: DrawConfig = { kind: "coefficient", options: ["A", "B", "C", "D"].map((label, i) => ({ label, basisPoints: 100 + 25 * i })) };
const seed = newSeed();
const record = { lotCode: "GC2026-001-1", config, seedHash: seedHash(seed), seed, picks: [], result: computeDraw({ seedHex: seed, config }) };

async function verify(name: string, content: string | Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(dir, name);
  writeFileSync(file, content);
  return run(process.execPath, ["--import", "tsx", "scripts/verify-draw.ts", "--file", file]).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const noStack = (r: { stdout: string; stderr: string }) => {
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at |ZodError|SyntaxError|node:internal|Error:/);
};

describe("npm run verify-draw -- --file", () => {
  it("replays the API's answer saved as it came, and its bare data", async () => {
    const saved = await verify("answer.json", JSON.stringify({ ok: true, data: record }));
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toContain("lot GC2026-001-1: draw MATCHES");
    const bare = await verify("data.json", JSON.stringify(record, null, 2));
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toContain("MATCHES");
    // A changed seed inside the envelope still fails as a mismatch (exit 1), not as a wrong file.
    const forged = await verify("forged.json", JSON.stringify({ ok: true, data: { ...record, seed: "0".repeat(64) } }));
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain("DOES NOT MATCH");
  }, 60_000);

  it("a wrong file: one readable sentence naming what is wrong, exit 2, no stack trace", async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ["page.html", "<!doctype html><html><body>登录</body></html>", /page\.html is not JSON: save the answer of the record's address/],
      ["empty.json", "", /empty\.json is not JSON \(the file is empty\)/],
      ["list.json", "[1,2,3]", /list\.json is not a draw record .*: it holds a list, not an object with its fields/],
      ["other.json", JSON.stringify({ ok: true, data: { rows: 3, created: 3 } }), /other\.json is not a draw record .*: missing lotCode, config, seedHash, seed, picks, result/],
      ["partial.json", JSON.stringify({ ...record, seedHash: undefined, picks: "none" }), /partial\.json is not a draw record .*: missing seedHash; not as expected: picks \(expected array, received string\)/],
      ["refused.json", JSON.stringify({ ok: false, error: { code: "FORBIDDEN", message: "Role agent may not call GET /api/lots/:lotId/draw-record" } }), /refused\.json holds a refused API answer, not a record: Role agent may not/],
      ["expert.json", JSON.stringify({ ok: true, data: { kind: "expert-draw", drawId: "d1" } }), /expert\.json is not an expert draw's record .*: missing projectCode, seedHash, seed, poolGeneration, buckets, picks/],
    ];
    for (const [name, content, message] of cases) {
      const r = await verify(name, content);
      expect(r.code, `${name}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      noStack(r);
    }
    const missing = await run(process.execPath, ["--import", "tsx", "scripts/verify-draw.ts", "--file", join(dir, "nope.json")]).catch((e: { code: number; stderr: string }) => e);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining("nope.json: no such file") });
  }, 120_000);
});
