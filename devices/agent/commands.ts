// Carries out one `device:command` and builds its acknowledgement. Never
// throws: whatever happens, the server gets an ack with the same commandId.
import { DeviceCommandMessage, type DeviceCommand, type DeviceCommandAck } from "@contracts/devices";
import { isPjlinkError, type PjlinkClient } from "../pjlink/client";
import { KioskError, type KioskDriver } from "./kiosk";

export interface CommandDeps {
  kiosk: KioskDriver | null;
  projector: PjlinkClient | null;
  /** Shown by `identify` (the device's code and name). */
  label: () => string;
  /** Called after a projector command, so the next heartbeat reads a fresh status. */
  projectorChanged?: () => void;
}

/** Stable codes of failures the agent itself detects (PJLink and kiosk failures carry their own). */
export type AgentCommandErrorCode = "BAD_COMMAND" | "UNKNOWN_COMMAND" | "NO_KIOSK" | "NO_PROJECTOR" | "COMMAND_FAILED";

const KNOWN = new Set<string>(["show-view", "identify", "reload", "projector-power", "projector-input"]);
const MAX_TEXT = 500;
const clip = (s: string) => (s.length <= MAX_TEXT ? s : `${s.slice(0, MAX_TEXT - 1)}…`);

class CommandError extends Error {
  constructor(
    readonly code: AgentCommandErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The commandId of a message, even a malformed one, so the ack can still be matched. */
function commandIdOf(raw: unknown): string {
  const id = typeof raw === "object" && raw !== null ? (raw as { commandId?: unknown }).commandId : undefined;
  return typeof id === "string" ? id.slice(0, 200) : "";
}

/** Validates the message, runs the command and returns the ack to send. */
export async function runCommand(raw: unknown, deps: CommandDeps): Promise<DeviceCommandAck> {
  const commandId = commandIdOf(raw);
  const fail = (code: string, message: string): DeviceCommandAck => ({ commandId, ok: false, error: { code: code.slice(0, 64), message: clip(message) } });
  const parsed = DeviceCommandMessage.safeParse(raw);
  if (!parsed.success) {
    const kind = typeof raw === "object" && raw !== null ? (raw as { command?: { kind?: unknown } }).command?.kind : undefined;
    if (typeof kind === "string" && !KNOWN.has(kind)) return fail("UNKNOWN_COMMAND", `this agent does not know the command "${kind.slice(0, 64)}"`);
    return fail("BAD_COMMAND", parsed.error.issues.map((i) => `${i.path.join(".") || "message"}: ${i.message}`).join("; "));
  }
  try {
    const detail = await execute(parsed.data.command, deps);
    return { commandId, ok: true, detail: clip(detail) };
  } catch (e) {
    if (e instanceof CommandError || e instanceof KioskError || isPjlinkError(e)) return fail(e.code, e.message);
    return fail("COMMAND_FAILED", e instanceof Error ? e.message : String(e));
  }
}

async function execute(cmd: DeviceCommand, deps: CommandDeps): Promise<string> {
  switch (cmd.kind) {
    case "show-view":
      return kiosk(deps).showView(cmd.view);
    case "identify":
      return kiosk(deps).identify(cmd.seconds, deps.label());
    case "reload":
      return kiosk(deps).reload();
    case "projector-power": {
      const pj = projector(deps);
      try {
        await pj.power(cmd.on);
      } finally {
        deps.projectorChanged?.();
      }
      return `projector ${pj.address}: POWR ${cmd.on ? 1 : 0} OK`;
    }
    case "projector-input": {
      const pj = projector(deps);
      try {
        await pj.input(cmd.input);
      } finally {
        deps.projectorChanged?.();
      }
      return `projector ${pj.address}: INPT ${cmd.input} OK`;
    }
  }
}

function kiosk(deps: CommandDeps): KioskDriver {
  if (!deps.kiosk) throw new CommandError("NO_KIOSK", "this agent drives no kiosk browser (start it with --kiosk)");
  return deps.kiosk;
}

function projector(deps: CommandDeps): PjlinkClient {
  if (!deps.projector) throw new CommandError("NO_PROJECTOR", "this agent has no projector configured (start it with --pjlink host:port)");
  return deps.projector;
}
