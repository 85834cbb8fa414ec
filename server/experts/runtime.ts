// What the experts domain keeps for the life of the app: the notifier (swappable
// in tests), the ID hasher and the pool reader with its bucket cache.
import type { Config } from "../config";
import type { Logger } from "../logger";
import { IdHasher } from "./identity";
import { ConsoleNotifier, WebhookNotifier, type ExpertNotifier } from "./notifier";
import { PoolReader } from "./buckets";

export class ExpertsRuntime {
  notifier: ExpertNotifier;
  readonly ids: IdHasher;
  private reader: PoolReader | undefined;

  constructor(
    private readonly config: Config,
    log: Logger,
  ) {
    this.ids = new IdHasher(config.appSecret);
    const n = config.experts.notifier;
    this.notifier = n.kind === "webhook" ? new WebhookNotifier(n, log.child({ mod: "experts-webhook" })) : new ConsoleNotifier(log.child({ mod: "experts-notify" }));
  }

  /** The read-only connection and bucket cache, opened on first use. */
  pool(): PoolReader {
    this.reader ??= new PoolReader(this.config.databaseUrl);
    return this.reader;
  }

  close(): void {
    this.reader?.close();
    this.reader = undefined;
  }
}
