// Everything a handler or route may reach: built once by createApp.
import type { Config } from "./config";
import type { Db } from "./db";
import type { DomainEventBus } from "./domain-events";
import type { HallIo, LiveHub } from "./live/hub";
import type { Logger } from "./logger";
import type { LoginThrottle } from "./auth/throttle";
import type { PresenceRegistry } from "./devices/presence";
import type { PlatformPki } from "./platform/pki";
import type { SecretBox } from "./platform/secrets";
import type { Timers } from "./timers";
import type { EscrowDesk } from "./opening/escrow";
import type { ExpertsRuntime } from "./experts/runtime";
import type { RedisLink } from "./scale/redis";

export interface AppContext {
  config: Config;
  db: Db;
  log: Logger;
  events: DomainEventBus;
  hub: LiveHub;
  io: HallIo;
  throttle: LoginThrottle;
  presence: PresenceRegistry;
  pki: PlatformPki;
  box: SecretBox;
  timers: Timers;
  escrow: EscrowDesk;
  /** Experts: notifier (swappable in tests), ID hasher, pool reader with the draw's bucket cache. */
  experts: ExpertsRuntime;
  /** Redis when REDIS_URL is set (several processes), else null. */
  redis: RedisLink | null;
  /** Where sealed bids, decrypted bids and records are kept. */
  dirs: { bids: string; records: string };
}
