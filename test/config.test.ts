import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../server/config";

const run = promisify(execFile);
const dir = () => mkdtempSync(join(tmpdir(), "hall-cfg-"));

describe("configuration", () => {
  it("has working defaults: SQLite in the data folder, port 3000", () => {
    const d = dir();
    const c = loadConfig({ DATA_DIR: d });
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBe(`file:${join(d, "hall.db")}`);
    expect(c.appSecret.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ DATA_DIR: d }).appSecret).toBe(c.appSecret); // kept in the data folder
    // The invitation handover: one send with its retries (webhook), 10 s with the console notifier, or as set.
    expect(c.experts.inviteHandoverMs).toBe(10_000);
    const hook = { EXPERT_NOTIFIER: "webhook", EXPERT_WEBHOOK_URL: "https://sms.example/x", EXPERT_WEBHOOK_SECRET: "0123456789abcdef" };
    expect(loadConfig({ DATA_DIR: d, ...hook, EXPERT_WEBHOOK_TIMEOUT_MS: "2000", EXPERT_WEBHOOK_RETRIES: "2" }).experts.inviteHandoverMs).toBe(2000 * 3 + 500 * 3 + 5000);
    expect(loadConfig({ DATA_DIR: d, EXPERT_INVITE_HANDOVER_MS: "0" }).experts.inviteHandoverMs).toBe(0);
  });

  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ TOKEN_TTL_MINUTES: "0" }, "TOKEN_TTL_MINUTES"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ NODE_ENV: "production" }, "APP_SECRET"],
    [{ APP_SECRET: "short" }, "APP_SECRET"],
    [{ EXPERT_INVITE_HANDOVER_MS: "soon" }, "EXPERT_INVITE_HANDOVER_MS"],
    [{ EXPERT_INVITE_HANDOVER_MS: "7200000" }, "EXPERT_INVITE_HANDOVER_MS"],
  ])("a bad value %o stops start-up naming %s", (env, name) => {
    try {
      loadConfig({ DATA_DIR: dir(), ...env });
      expect.unreachable("loadConfig accepted a bad value");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(name);
    }
  });

  it("the real process exits with status 2 and a message naming the variable", async () => {
    const res = await run(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      env: { ...process.env, PORT: "not-a-port", DATA_DIR: dir() },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("PORT");
  });
});
