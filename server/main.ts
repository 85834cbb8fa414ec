// The only place that listens. `npm start` runs scripts/start.ts, which
// migrates, seeds and builds first, then imports this.
import { loadConfig } from "./config";
import { exitOnStartupError } from "./boot";
import { createApp } from "./app";
import { createLogger } from "./logger";

export async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    exitOnStartupError(err);
    throw err;
  }
  const log = createLogger(config);
  const app = await createApp(config, { logger: log }).catch((err: unknown) => {
    exitOnStartupError(err); // a wrong APP_SECRET, a database not migrated: one line, exit 2
    throw err;
  });
  await new Promise<void>((resolve, reject) => {
    app.http.once("error", reject);
    app.http.listen(config.port, config.host, resolve);
  });
  const addr = app.http.address();
  const port = typeof addr === "object" && addr ? addr.port : config.port;
  log.info({ port }, "listening");
  const stop = async (signal: string) => {
    log.info({ signal }, "shutting down");
    await app.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
