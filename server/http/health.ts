import type { Express } from "express";
import type { AppContext } from "../context";

const started = Date.now();

/**
 * GET /healthz: the process, its database and (when REDIS_URL is set) Redis.
 * 200 "ok"; 200 "degraded" when only Redis is away (the process still serves
 * its own sockets, so a proxy should keep sending it clients; the body says
 * what is wrong); 503 "error" when the database does not answer.
 */
export function mountHealth(server: Express, app: AppContext): void {
  server.get("/healthz", async (_req, res) => {
    const [db, redis] = await Promise.all([
      app.db.$queryRawUnsafe("SELECT 1").then(
        () => "ok",
        (err: unknown) => `error: ${(err as Error).message}`,
      ),
      app.redis ? app.redis.check() : Promise.resolve("off"),
    ]);
    const status = db !== "ok" ? "error" : redis === "ok" || redis === "off" ? "ok" : "degraded";
    res.status(db === "ok" ? 200 : 503).json({
      status,
      db,
      redis,
      ...(app.redis ? { node: app.redis.nodeId } : {}),
      pid: process.pid,
      uptimeS: Math.round((Date.now() - started) / 1000),
    });
  });
}
