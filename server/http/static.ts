import express, { type Express } from "express";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AppContext } from "../context";

/** Serves the built client, with history-mode fallback to index.html for app routes. */
export function mountClient(server: Express, app: AppContext): void {
  const dist = app.config.clientDist;
  const index = join(dist, "index.html");
  server.use(express.static(dist, { index: false, maxAge: "1h" }));
  server.get(/^\/(?!api\/|socket\.io\/|healthz).*/, (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type("text/plain; charset=utf-8").send("客户端尚未构建 / client not built: run `npm run build`");
      return;
    }
    res.sendFile(index, { headers: { "Cache-Control": "no-cache" } });
  });
}
