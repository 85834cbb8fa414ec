// Every name the board, the wall, the device admin and the escrow page build
// from data has a wording in both languages.
import { describe, expect, it } from "vitest";
import zh from "../i18n/zh-CN";
import en from "../i18n/en";
import { BOARD_STATES } from "../screens/board";
import { COMMAND_CHOICES, DEVICE_KINDS } from "../admin/devices";
import { FAULT_PARTS, PROJECTOR_POWERS } from "./health";

const get = (o: unknown, key: string): unknown => key.split(".").reduce<unknown>((x, p) => (x && typeof x === "object" ? (x as Record<string, unknown>)[p] : undefined), o);

describe("wording of names built from data", () => {
  const keys = [
    ...BOARD_STATES.map((s) => `board.states.${s}`),
    ...["device-offline", "projector-fault", "decryption-failing"].map((k) => `monitor.kinds.${k}`),
    ...["error", "warning"].map((k) => `monitor.severity.${k}`),
    ...["justNow", "seconds", "minutes", "hours", "days"].map((k) => `monitor.age.${k}`),
    ...PROJECTOR_POWERS.map((p) => `monitor.power.${p}`),
    ...FAULT_PARTS.map((p) => `monitor.faultParts.${p}`),
    ...["warning", "error"].map((l) => `monitor.faultLevels.${l}`),
    ...COMMAND_CHOICES.map((c) => `deviceAdmin.commands.${c}`),
    ...DEVICE_KINDS.map((k) => `deviceKinds.${k}`),
    ...["empty", "format", "otherLot"].map((p) => `escrow.problems.${p}`),
    ...["online", "offline", "revoked"].map((s) => `wall.${s}`),
  ];
  it.each(keys)("%s", (key) => {
    expect(typeof get(zh, key)).toBe("string");
    expect(typeof get(en, key)).toBe("string");
  });
});
