import { pino, type DestinationStream, type Logger } from "pino";
import type { Config } from "./config";

/** JSON logs in production, pretty in development. Secrets are redacted by path. */
export function createLogger(config: Pick<Config, "log" | "env">, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.log.level,
    redact: {
      paths: [
        "password",
        "*.password",
        "token",
        "*.token",
        "deviceKey",
        "*.deviceKey",
        "req.headers.authorization",
        "headers.authorization",
        "auth",
        "*.auth",
      ],
      censor: "[redacted]",
    },
  };
  if (destination) return pino(options, destination);
  return pino({
    ...options,
    ...(config.log.pretty ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:standard" } } } : {}),
  });
}
export type { Logger };
