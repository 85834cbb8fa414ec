// The agent's command line and environment → AgentOptions. Flags win over
// environment variables. Passing the key by env (HALL_DEVICE_KEY) keeps it out
// of the process list; --key is for trying things out.
import { parseArgs } from "node:util";
import { parseHostPort } from "../pjlink/client";

export const AGENT_USAGE = `Usage: devices:agent --url http://host:3000 --key dk_… [options]

  --url URL               the hall server                          (env HALL_URL)
  --key KEY               the device key, dk_…                    (env HALL_DEVICE_KEY; prefer the env)
  --pjlink HOST[:PORT]    drive this projector over PJLink        (env HALL_PJLINK; port 4352 by default)
  --pjlink-password PW    its PJLink password                     (env HALL_PJLINK_PASSWORD)
  --kiosk "CMD %URL%"     keep this browser on the display URL     (env HALL_KIOSK), e.g. "chromium --kiosk --app=%URL%"
  --identify "CMD"        run for the identify command; %LABEL% %SECONDS% %MS% (env HALL_IDENTIFY)
  --heartbeat-ms N        heartbeat period, default 3000           (env HALL_HEARTBEAT_MS)
  --help

Exit codes: 0 stopped, 2 bad usage, 3 the server refused the key (unknown or revoked).`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface AgentCliOptions {
  url: string;
  key: string;
  pjlink: { host: string; port: number; password?: string } | null;
  kiosk: string | null;
  identify: string | null;
  heartbeatMs: number;
}

/** Parses argv (without node and script) and env; throws UsageError with a readable message. Returns null for --help. */
export function parseAgentArgs(argv: string[], env: NodeJS.ProcessEnv): AgentCliOptions | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        url: { type: "string" },
        key: { type: "string" },
        pjlink: { type: "string" },
        "pjlink-password": { type: "string" },
        kiosk: { type: "string" },
        identify: { type: "string" },
        "heartbeat-ms": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) return null;
  const str = (flag: string, envName: string): string | undefined => {
    const v = values[flag];
    const s = typeof v === "string" ? v : env[envName];
    return s === undefined || s.trim() === "" ? undefined : s.trim();
  };
  const url = str("url", "HALL_URL");
  if (!url) throw new UsageError("--url (or HALL_URL) is required");
  if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`--url must be http(s)://host[:port], not ${url}`);
  const key = str("key", "HALL_DEVICE_KEY");
  if (!key) throw new UsageError("--key (or HALL_DEVICE_KEY) is required");
  if (!/^dk_[A-Za-z0-9_-]{20,100}$/.test(key)) throw new UsageError("the device key must look like dk_… (as shown when the device was created)");
  const pj = str("pjlink", "HALL_PJLINK");
  let pjlink: AgentCliOptions["pjlink"] = null;
  if (pj) {
    try {
      pjlink = parseHostPort(pj);
    } catch (e) {
      throw new UsageError(`--pjlink: ${e instanceof Error ? e.message : String(e)}`);
    }
    const password = str("pjlink-password", "HALL_PJLINK_PASSWORD");
    if (password !== undefined) pjlink.password = password;
  }
  const hb = str("heartbeat-ms", "HALL_HEARTBEAT_MS") ?? "3000";
  const heartbeatMs = Number(hb);
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 200 || heartbeatMs > 60_000) throw new UsageError(`--heartbeat-ms must be an integer from 200 to 60000, not ${hb}`);
  return { url, key, pjlink, kiosk: str("kiosk", "HALL_KIOSK") ?? null, identify: str("identify", "HALL_IDENTIFY") ?? null, heartbeatMs };
}
