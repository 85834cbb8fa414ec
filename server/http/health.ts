import type { Express } from "express";
import type { AppContext } from "../context";

const started = Date.now();

/** GET /healthz: the process and its database. 200 when all is well, 503 otherwise. */
export function mountHealth(server: Express, app: AppContext): void {
  server.get("/healthz", async (_req, res) => {
    let db = "ok";
    try {
      await app.db.$queryRawUnsafe("SELECT 1");
    } catch (err) {
      db = `error: ${(err as Error).message}`;
    }
    const ok = db === "ok";
    res.status(ok ? 200 : 503).json({ status: ok ? "ok" : "error", db, uptimeS: Math.round((Date.now() - started) / 1000) });
  });
}
