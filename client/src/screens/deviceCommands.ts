// What a hall screen (a browser on /screen) answers to a remote `device:command`.
// The server asks every socket of the device and takes the first that carries
// the command out, so a screen answers ok:false UNSUPPORTED for what it cannot
// do (the hall PC agent, another socket of the same device, may). Always the
// same commandId back. No zod here: screens stay light; the checks are by hand.
import type { DeviceCommandAck } from "@contracts/devices";

export type ScreenEffect = { kind: "identify"; seconds: number } | { kind: "reload"; delayMs: number } | null;

export interface ScreenAnswer {
  ack: DeviceCommandAck;
  /** What the screen does after (or while) answering. */
  effect: ScreenEffect;
}

export const RELOAD_DELAY_MS = 800;
export const IDENTIFY_DEFAULT_S = 10;

const UNSUPPORTED_VIEW = "画面由服务器按设备类型指定，屏幕不能自行切换 / the view is set by the server's device channel, not by the screen";
const UNSUPPORTED_PROJECTOR = "投影机由会场电脑代理控制 / the hall PC agent controls the projector, not the screen";

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The commandId of a message, even a malformed one, so the ack can still be matched. */
function commandIdOf(raw: unknown): string {
  const id = isObj(raw) ? raw.commandId : undefined;
  return typeof id === "string" ? id.slice(0, 200) : "";
}

export function answerCommand(raw: unknown, label = ""): ScreenAnswer {
  const commandId = commandIdOf(raw);
  const fail = (code: string, message: string): ScreenAnswer => ({ ack: { commandId, ok: false, error: { code, message } }, effect: null });
  const command = isObj(raw) ? raw.command : undefined;
  if (!commandId || !isObj(command) || typeof command.kind !== "string") return fail("BAD_COMMAND", "not a device command message");
  switch (command.kind) {
    case "identify": {
      const s = command.seconds;
      if (s !== undefined && (typeof s !== "number" || !Number.isInteger(s) || s < 1 || s > 60)) {
        return fail("BAD_COMMAND", "identify: seconds must be an integer from 1 to 60");
      }
      const seconds = typeof s === "number" ? s : IDENTIFY_DEFAULT_S;
      return {
        ack: { commandId, ok: true, detail: `screen: identifying ${label ? `${label} ` : ""}for ${seconds} s` },
        effect: { kind: "identify", seconds },
      };
    }
    case "reload":
      return { ack: { commandId, ok: true, detail: `screen: reloading in ${RELOAD_DELAY_MS} ms` }, effect: { kind: "reload", delayMs: RELOAD_DELAY_MS } };
    case "show-view":
      return fail("UNSUPPORTED", UNSUPPORTED_VIEW);
    case "projector-power":
    case "projector-input":
      return fail("UNSUPPORTED", UNSUPPORTED_PROJECTOR);
    default:
      return fail("UNKNOWN_COMMAND", `this screen does not know the command "${command.kind.slice(0, 64)}"`);
  }
}
