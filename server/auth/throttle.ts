// Login throttling with rate-limiter-flexible: after N consecutive failures
// for one username from one address, block for a while; a success resets.
// With Redis (several processes) the count is shared, so trying the next
// process does not reset it; while Redis is away each process counts alone
// (the limiter's insurance store) rather than refusing every login.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../errors";
import type { RedisLink } from "../scale/redis";

export class LoginThrottle {
  private readonly failures: RateLimiterMemory | RateLimiterRedis;
  constructor(maxFailures: number, blockSeconds: number, redis?: RedisLink | null) {
    const opts = { points: maxFailures, duration: blockSeconds, blockDuration: blockSeconds };
    this.failures = redis
      ? new RateLimiterRedis({
          ...opts,
          storeClient: redis.client,
          useRedisPackage: true,
          keyPrefix: redis.key("login-fail"),
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory(opts),
        })
      : new RateLimiterMemory(opts);
  }
  private key(username: string, ip: string) {
    return `${username.toLowerCase()}|${ip}`;
  }
  /** Throws RATE_LIMITED while the pair is blocked. */
  async check(username: string, ip: string): Promise<void> {
    const res = await this.failures.get(this.key(username, ip));
    if (res && res.remainingPoints <= 0 && res.msBeforeNext > 0) throw limited(res);
  }
  async fail(username: string, ip: string): Promise<void> {
    try {
      await this.failures.consume(this.key(username, ip));
    } catch (e) {
      if (e instanceof RateLimiterRes) return; // now blocked; the next check says so
      throw e;
    }
  }
  async succeed(username: string, ip: string): Promise<void> {
    await this.failures.delete(this.key(username, ip));
  }
}

function limited(res: RateLimiterRes) {
  const s = Math.ceil(res.msBeforeNext / 1000);
  return new AppError("RATE_LIMITED", `Too many failed logins; try again in ${s} s`);
}
