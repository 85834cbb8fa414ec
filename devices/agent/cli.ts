// `npm run devices:agent -- --url http://host:3000 --key dk_… [--pjlink host:port] [--kiosk "…%URL%"]`
// The thin command line around createAgent: logs to stderr, stops on
// SIGINT/SIGTERM, exits 3 when the server refuses the key.
import { createAgent, type LogLevel } from "./agent";
import { SpawnKiosk } from "./kiosk";
import { AGENT_USAGE, UsageError, parseAgentArgs } from "./options";

const log = (level: LogLevel, msg: string) => process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${msg}\n`);

async function main(): Promise<number> {
  let cli;
  try {
    cli = parseAgentArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n\n${AGENT_USAGE}\n`);
    return 2;
  }
  if (!cli) {
    process.stdout.write(`${AGENT_USAGE}\n`);
    return 0;
  }
  const kiosk = cli.kiosk
    ? new SpawnKiosk({ command: cli.kiosk, ...(cli.identify ? { identifyCommand: cli.identify } : {}), log: (m) => log("warn", m) })
    : null;
  const agent = createAgent({ url: cli.url, key: cli.key, pjlink: cli.pjlink, kiosk, heartbeatMs: cli.heartbeatMs, log });
  const stop = () => void agent.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  agent.start();
  const exit = await agent.done;
  if (exit.reason === "fatal") return 3; // the agent has logged why
  log("info", "stopped");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log("error", `crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
