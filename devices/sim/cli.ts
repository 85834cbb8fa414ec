// `npm run devices:sim -- --url http://localhost:3000 --room K01 --count 200 [--kinds projector,entrance-board]
//    [--admin admin --password Demo@2026 [--distinct 20]] [--keys-file data/demo-devices.json] [--duration-s 60]`
// Prints a status line every few seconds and a summary at the end.
import { parseArgs } from "node:util";
import { DeviceKind } from "@contracts/common";
import { formatStats, startSimulator, type SimOptions } from "./simulator";

const USAGE = `Usage: devices:sim --url URL --room K01 --count N [options]
  --kinds a,b          device kinds (${DeviceKind.options.join(", ")})
  --admin U --password P   create the devices through POST /api/devices (revoked again at the end)
  --distinct D         create only D devices and share their keys (default: N)
  --keys-file F        demo keys written by npm start (default data/demo-devices.json); used without --admin
  --heartbeat-ms N     default 3000
  --ramp-ms N          spread the connections over N ms (default 0)
  --every-s N          status line period (default 5)
  --duration-s S       stop after S seconds (default: until Ctrl-C)`;

function fail(msg: string): never {
  process.stderr.write(`${msg}\n\n${USAGE}\n`);
  process.exit(2);
}

function int(v: string | undefined, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer ≥ ${min}`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    values = parseArgs({
      options: {
        url: { type: "string" },
        room: { type: "string" },
        count: { type: "string" },
        kinds: { type: "string" },
        admin: { type: "string" },
        password: { type: "string" },
        distinct: { type: "string" },
        "keys-file": { type: "string" },
        "heartbeat-ms": { type: "string" },
        "ramp-ms": { type: "string" },
        "every-s": { type: "string" },
        "duration-s": { type: "string" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const url = values.url ?? process.env.HALL_URL ?? fail("--url is required");
  const kinds = values.kinds?.split(",").map((k) => {
    const p = DeviceKind.safeParse(k.trim());
    return p.success ? p.data : fail(`unknown device kind ${k}`);
  });
  if (values.admin && !values.password) fail("--admin needs --password");
  const opts: SimOptions = {
    url,
    room: values.room ?? "K01",
    count: int(values.count, "count", 10, 1),
    heartbeatMs: int(values["heartbeat-ms"], "heartbeat-ms", 3000, 200),
    rampMs: int(values["ramp-ms"], "ramp-ms", 0, 0),
    keysFile: values["keys-file"] ?? "data/demo-devices.json",
    log: (m) => process.stderr.write(`[sim] ${m}\n`),
    ...(kinds ? { kinds } : {}),
    ...(values.admin && values.password ? { admin: { username: values.admin, password: values.password } } : {}),
    ...(values.distinct ? { distinct: int(values.distinct, "distinct", 1, 1) } : {}),
  };
  const everyS = int(values["every-s"], "every-s", 5, 1);
  const durationS = values["duration-s"] === undefined ? null : int(values["duration-s"], "duration-s", 0, 1);

  const sim = await startSimulator(opts);
  process.stderr.write(`[sim] ${sim.devices.length} virtual devices in ${opts.room} on ${sim.keys.distinct} ${sim.keys.source} keys\n`);
  const began = Date.now();
  const line = () => process.stdout.write(`${formatStats(sim.stats(), Math.round((Date.now() - began) / 1000))}\n`);
  const ticker = setInterval(line, everyS * 1000);
  await new Promise<void>((resolve) => {
    const timer = durationS === null ? undefined : setTimeout(resolve, durationS * 1000);
    const onSignal = () => {
      if (timer) clearTimeout(timer);
      resolve();
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
  clearInterval(ticker);
  line();
  await sim.stop();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[sim] failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
