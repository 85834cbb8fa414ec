// Everything a handler or route may reach: built once by createApp.
import type { Config } from "./config";
import type { Db } from "./db";
import type { DomainEventBus } from "./domain-events";
import type { LiveHub } from "./live/hub";
import type { Logger } from "./logger";
import type { LoginThrottle } from "./auth/throttle";
import type { PresenceRegistry } from "./devices/presence";

export interface AppContext {
  config: Config;
  db: Db;
  log: Logger;
  events: DomainEventBus;
  hub: LiveHub;
  throttle: LoginThrottle;
  presence: PresenceRegistry;
}
