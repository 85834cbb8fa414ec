// `tsx devices/pjlink/peer-cli.ts [--port 4352] [--host 127.0.0.1] [--password PW] [--warmup-ms 5000] [--fault hang]`
// A fake projector on the network, to try the device agent without hardware.
import { parseArgs } from "node:util";
import { PjlinkPeer, type PeerFault } from "./peer";

const FAULTS: readonly PeerFault[] = ["garbage", "hang", "silent", "erra", "close-mid-answer", "failure"];

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4352" },
    host: { type: "string", default: "127.0.0.1" },
    password: { type: "string" },
    "warmup-ms": { type: "string", default: "5000" },
    "cooldown-ms": { type: "string", default: "5000" },
    "lamp-hours": { type: "string", default: "1200" },
    fault: { type: "string" },
  },
});
const fault = values.fault as PeerFault | undefined;
if (fault !== undefined && !FAULTS.includes(fault)) {
  process.stderr.write(`--fault must be one of ${FAULTS.join(", ")}\n`);
  process.exit(2);
}
const peer = new PjlinkPeer({
  warmupMs: Number(values["warmup-ms"]),
  cooldownMs: Number(values["cooldown-ms"]),
  lampHours: Number(values["lamp-hours"]),
  ...(values.password !== undefined ? { password: values.password } : {}),
});
peer.fault = fault ?? null;
const port = await peer.listen(Number(values.port), values.host);
process.stderr.write(`PJLink class 1 peer on ${values.host}:${port}${values.password ? " (password set)" : ""}${fault ? ` fault=${fault}` : ""}\n`);
let seen = 0;
const log = setInterval(() => {
  for (const line of peer.received.slice(seen)) process.stderr.write(`  ← ${line}\n`);
  seen = peer.received.length;
}, 500);
const stop = () => {
  clearInterval(log);
  void peer.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
