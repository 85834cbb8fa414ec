// Login throttling with rate-limiter-flexible (a maintained limiter that also
// has Redis/PostgreSQL stores for the scale-out issue): after N consecutive
// failures for one username from one address, block for a while; a success resets.
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../errors";

export class LoginThrottle {
  private readonly failures: RateLimiterMemory;
  constructor(maxFailures: number, blockSeconds: number) {
    this.failures = new RateLimiterMemory({ points: maxFailures, duration: blockSeconds, blockDuration: blockSeconds });
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
