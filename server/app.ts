// createApp(config): builds the HTTP server, Socket.IO server, database client
// and every module, without listening. server/main.ts is the only place that
// listens; tests call createApp and listen on port 0.
import express from "express";
import helmet from "helmet";
import { createServer, type Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import { streamKey } from "@contracts/streams";
import type { ClientToServerEvents, ServerToClientEvents } from "@contracts/events";
import type { Config } from "./config";
import type { AppContext } from "./context";
import { createDb, type Db } from "./db";
import { checkAppSecret } from "./boot";
import { DomainEventBus } from "./domain-events";
import { LoginThrottle } from "./auth/throttle";
import { PresenceRegistry } from "./devices/presence";
import { deviceStream } from "./devices/streams";
import { mountHealth } from "./http/health";
import { errorMiddleware } from "./http/mount";
import { mountApiRoutes } from "./http/routes";
import { mountClient } from "./http/static";
import { wireBroadcaster } from "./live/broadcaster";
import { LiveHub } from "./live/hub";
import { createLogger, type Logger } from "./logger";
import { roomStream } from "./rooms/streams";
import { boardStream, shanghaiDay, wallStream } from "./rooms/wall";
import { startPresenceSweeper } from "./devices/registry";
import { wireSockets } from "./sockets";
import { AppError } from "./errors";
import { join } from "node:path";
import { loadOrCreatePlatformPki } from "./platform/pki";
import { SecretBox } from "./platform/secrets";
import { Timers } from "./timers";
import { EscrowDesk } from "./opening/escrow";
import { openingCompanyStream, openingStream } from "./opening/views";
import { openingAgentStream } from "./opening/agent-view";
import { armAllTimers } from "./opening/session";
import { ExpertsRuntime } from "./experts/runtime";
import { armExpertTimers } from "./experts/timers";
import { resendUnsentInvitations, startInvitationSweep } from "./experts/resend";
import { expertDrawStream } from "./experts/views";
import { RedisLink } from "./scale/redis";
import { evaluationStreams } from "./evaluation/views";
import { wireEvaluationLinks } from "./evaluation/links";
import { armEvaluationTimers } from "./evaluation/timers";

export interface App {
  http: HttpServer;
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  db: Db;
  ctx: AppContext;
  close(): Promise<void>;
}

export async function createApp(config: Config, opts: { logger?: Logger } = {}): Promise<App> {
  const log = opts.logger ?? createLogger(config);
  const db = createDb(config.databaseUrl);
  await db.$connect();
  if (config.databaseUrl.startsWith("file:")) {
    // WAL (set by createDb) lets the CLI tools read while the server writes; wait instead of failing on a busy file.
    await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  }
  // Before anything is written (here or in a file): the secret must be the database's (server/boot.ts).
  await checkAppSecret(db, config).catch(async (err: unknown) => {
    await db.$disconnect().catch(() => undefined);
    throw err;
  });

  const server = express();
  server.disable("x-powered-by");
  server.set("trust proxy", config.trustProxy);
  server.use(
    helmet({
      contentSecurityPolicy: {
        directives: { "script-src": ["'self'"], "connect-src": ["'self'", "ws:", "wss:"], "img-src": ["'self'", "data:", "blob:"] },
      },
    }),
  );
  server.use("/api", express.json({ limit: "100kb", strict: false }));

  const http = createServer(server);
  const io: App["io"] = new Server(http, {
    maxHttpBufferSize: 1e6,
    serveClient: false,
    // A dropped device is noticed within ~8 s (the wall must show it offline within 10 s).
    pingInterval: 4_000,
    pingTimeout: 4_000,
    // Several processes: missed events are replayed on reconnection to any process (Redis streams adapter).
    ...(config.redis ? { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false } } : {}),
  });
  const redis = config.redis ? new RedisLink(config.redis.url, config.redis.prefix, log.child({ mod: "redis" })) : null;
  if (redis) {
    await redis.connect();
    redis.attachAdapter(io);
  }

  const events = new DomainEventBus();
  const presence = new PresenceRegistry(config.deviceSilenceMs);
  if (redis) presence.share(redis, log.child({ mod: "presence" }));
  const hub = new LiveHub(db, io, log.child({ mod: "live" }), { ...config.live, shared: !!config.redis });
  const ctx: AppContext = {
    config,
    db,
    log,
    events,
    hub,
    io,
    presence,
    throttle: new LoginThrottle(config.login.maxFailures, config.login.blockSeconds, redis),
    pki: loadOrCreatePlatformPki(config.platformDir),
    box: new SecretBox(config.appSecret),
    timers: new Timers(log.child({ mod: "timers" }), db, { nodeId: redis?.nodeId }),
    escrow: new EscrowDesk(),
    experts: new ExpertsRuntime(config, log, db),
    redis,
    dirs: { bids: join(config.dataDir, "bids"), records: join(config.dataDir, "records") },
  };

  hub.register(roomStream(db));
  hub.register(wallStream(db, presence));
  hub.register(deviceStream(db));
  hub.register(boardStream(db));
  hub.register(openingStream(db));
  hub.register(openingCompanyStream(db));
  hub.register(openingAgentStream(db));
  hub.register(expertDrawStream(db));
  for (const k of evaluationStreams(db, presence)) hub.register(k);
  wireBroadcaster(events, hub, log);
  wireSockets(io, ctx);

  mountHealth(server, ctx);
  mountApiRoutes(server, ctx);
  server.use("/api", (req, _res, next) => next(new AppError("NOT_FOUND", `No route ${req.method} ${req.originalUrl}`)));
  mountClient(server, ctx);
  server.use(errorMiddleware(ctx));
  hub.startTicks();
  const stopSweeper = startPresenceSweeper(ctx);
  // The entrance board shows "today" in Asia/Shanghai: refresh it when the day turns.
  const armMidnight = () =>
    ctx.timers.at("board:midnight", shanghaiDay().end, async () => {
      await hub.refresh(streamKey.board());
      armMidnight();
    });
  armMidnight();
  await armAllTimers(ctx);
  await armExpertTimers(ctx);
  await resendUnsentInvitations(ctx); // invitations a killed process committed but never sent
  const stopInvitationSweep = startInvitationSweep(ctx); // clusters: a process that died while the others run
  wireEvaluationLinks(ctx);
  await armEvaluationTimers(ctx);

  let closed = false;
  return {
    http,
    io,
    db,
    ctx,
    async close() {
      if (closed) return;
      closed = true;
      // Each step is bounded: a close never hangs on a stuck peer (a Redis call that never
      // returns, a client that keeps its HTTP connection open); what overran is logged.
      const step = (name: string, work: Promise<unknown>, ms = 5_000) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            log.warn({ step: name, ms }, "close: step overran, going on");
            resolve();
          }, ms);
          timer.unref();
          work.then(
            () => (clearTimeout(timer), resolve()),
            (err: unknown) => (clearTimeout(timer), log.warn({ step: name, err }, "close: step failed, going on"), resolve()),
          );
        });
      ctx.timers.close();
      await step("invitation sweep", stopInvitationSweep());
      await step("timers", ctx.timers.settled());
      await step("experts", ctx.experts.settled());
      stopSweeper();
      // The hub first: a rebuild still queued (an expert draw's stream) reads through the experts' connections.
      await step("hub", hub.close());
      ctx.experts.close();
      io.disconnectSockets(true);
      await step("socket.io", new Promise<void>((resolve) => io.close(() => resolve())));
      if (http.listening) {
        const closing = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        await step("http", closing, 2_000);
        http.closeAllConnections();
      }
      events.removeAll();
      await step("presence", presence.close());
      await step("redis", redis?.close() ?? Promise.resolve());
      await step("database", db.$disconnect());
    },
  };
}
