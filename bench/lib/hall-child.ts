// Child-process entry of the hall under test (see ./hall.ts and ./launch.ts):
// starts the hall, reports "ready" over IPC, then answers operation requests
// until told to close or until the parent goes away.
import { startHall, type HallOps } from "./hall";

interface Request {
  id: number;
  op: keyof HallOps | "close";
  arg: unknown;
}

const send = (m: unknown) => process.send?.(m);

const hall = await startHall();
let closing = false;
const shutdown = async (code: number) => {
  if (closing) return;
  closing = true;
  await hall.close().catch(() => undefined);
  process.exit(code);
};

process.on("message", (raw) => {
  const m = raw as Request;
  if (m.op === "close") {
    void shutdown(0);
    return;
  }
  const fn = hall.ops[m.op] as (a: unknown) => Promise<unknown>;
  Promise.resolve()
    .then(() => fn(m.arg ?? {}))
    .then(
      (result) => send({ id: m.id, ok: true, result: result ?? null }),
      (err: unknown) => send({ id: m.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
    );
});
process.on("disconnect", () => void shutdown(1));
process.on("SIGINT", () => void shutdown(130));
process.on("SIGTERM", () => void shutdown(143));
send({ type: "ready", info: hall.info });
