// `device:<id>`: a device's own channel — who it is and which view to show.
import type { DeviceChannelState } from "@contracts/devices";
import { streamKey } from "@contracts/streams";
import type { Db } from "../db";
import { parserOf, type StreamKind } from "../live/streams";
import { deviceSelf } from "./commands";

export function deviceStream(db: Db): StreamKind<{ deviceId: string }> {
  return {
    prefix: "device",
    parse: parserOf("device"),
    async authorize(p, { deviceId: id }) {
      if (p.kind === "device") return p.deviceId === id;
      return p.role === "admin" ? ((await db.device.count({ where: { id } })) > 0 || "not-found") : false;
    },
    async build({ deviceId: id }): Promise<DeviceChannelState> {
      const device = await deviceSelf(db, id);
      const override = (await db.device.findUnique({ where: { id }, select: { viewOverride: true } }))?.viewOverride;
      const view: DeviceChannelState["view"] =
        override === "idle"
          ? { kind: "idle", stream: "" }
          : override === "wall"
            ? { kind: "wall", stream: streamKey.wall() }
            : override === "board"
              ? { kind: "board", stream: streamKey.board() }
              : override === "room"
                ? { kind: "room", stream: streamKey.room(device.room.id) }
                : device.kind === "monitoring-wall"
          ? { kind: "wall", stream: streamKey.wall() }
          : device.kind === "entrance-board"
            ? { kind: "board", stream: streamKey.board() }
            : { kind: "room", stream: streamKey.room(device.room.id) };
      return { device, view };
    },
  };
}
