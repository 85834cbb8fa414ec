// Where the simulator gets device keys: given by the caller; created through
// the admin API (`POST /api/devices`, when the contracts have it and admin
// credentials are given); or read from the demo keys file `npm start` writes
// (data/demo-devices.json), each key then reused by several virtual devices.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { DeviceKind, type Ack } from "@contracts/common";
import { routes } from "@contracts/http";

export interface SimKey {
  key: string;
  code: string;
  kind: DeviceKind;
  /** Set for devices this run created (so they can be revoked at the end). */
  createdId?: string;
}

export interface KeySourceOptions {
  url: string;
  /** Room code, e.g. K01. */
  room: string;
  /** Virtual devices wanted. */
  count: number;
  /** Only these kinds (default: any). */
  kinds?: DeviceKind[];
  keys?: SimKey[];
  admin?: { username: string; password: string };
  /** How many devices to create through the API (default: count); virtual devices share them round-robin. */
  distinct?: number;
  keysFile?: string;
  log?: (msg: string) => void;
}

export interface AcquiredKeys {
  /** One key per virtual device (keys repeat when fewer distinct ones exist). */
  keys: SimKey[];
  source: "given" | "created" | "file";
  /** Distinct keys behind `keys`. */
  distinct: number;
}

const DemoDeviceFile = z.array(z.object({ code: z.string(), kind: DeviceKind, key: z.string().regex(/^dk_/) }));
const Created = z.object({ device: z.object({ id: z.string(), code: z.string(), kind: DeviceKind }), key: z.string().regex(/^dk_/) });
const Login = z.object({ token: z.string() });
const Rooms = z.array(z.object({ id: z.string(), code: z.string() }));

/** True when the wire contracts have the admin route that creates a device. */
export const canCreateDevices = (): boolean => Object.values(routes).some((r) => r.method === "POST" && r.path === "/api/devices");

const roundRobin = <T>(items: T[], n: number): T[] => Array.from({ length: n }, (_, i) => items[i % items.length] as T);

export async function acquireKeys(o: KeySourceOptions): Promise<AcquiredKeys> {
  if (o.keys?.length) return { keys: roundRobin(o.keys, o.count), source: "given", distinct: o.keys.length };
  if (o.admin && canCreateDevices()) {
    try {
      const created = await createKeys(o, o.admin);
      return { keys: roundRobin(created, o.count), source: "created", distinct: created.length };
    } catch (e) {
      if (!o.keysFile) throw e;
      o.log?.(`creating devices failed (${e instanceof Error ? e.message : String(e)}); using ${o.keysFile}`);
    }
  }
  if (!o.keysFile) throw new Error("no device keys: give admin credentials (to create devices) or a keys file");
  const file = DemoDeviceFile.parse(JSON.parse(await readFile(o.keysFile, "utf8")));
  const mine = file.filter((d) => d.code.startsWith(`${o.room}-`) && (!o.kinds?.length || o.kinds.includes(d.kind)));
  if (mine.length === 0) throw new Error(`${o.keysFile} has no ${o.kinds?.join("/") ?? ""} device of room ${o.room}`);
  return { keys: roundRobin(mine, o.count), source: "file", distinct: mine.length };
}

async function api<T>(url: string, method: string, path: string, schema: z.ZodType<T>, opts: { token?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url.replace(/\/+$/, "") + path, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const body = (await res.json()) as Ack<unknown>;
  if (!body.ok) throw new Error(`${method} ${path}: ${body.error.code} ${body.error.message}`);
  return schema.parse(body.data);
}

async function createKeys(o: KeySourceOptions, admin: { username: string; password: string }): Promise<SimKey[]> {
  const { token } = await api(o.url, "POST", "/api/auth/login", Login, { body: admin });
  const room = (await api(o.url, "GET", "/api/rooms", Rooms, { token })).find((r) => r.code === o.room);
  if (!room) throw new Error(`no room ${o.room}`);
  const kinds: DeviceKind[] = o.kinds?.length ? o.kinds : ["projector", "entrance-board", "bidder-terminal"];
  const n = Math.max(1, Math.min(o.distinct ?? o.count, o.count));
  const tag = Date.now().toString(36).slice(-5);
  const out: SimKey[] = [];
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length] as DeviceKind;
    const code = `${o.room}-SIM-${tag}-${i + 1}`.slice(0, 32);
    const c = await api(o.url, "POST", "/api/devices", Created, { token, body: { roomId: room.id, kind, code, name: `模拟设备 ${tag}-${i + 1}` } });
    out.push({ key: c.key, code: c.device.code, kind: c.device.kind, createdId: c.device.id });
  }
  o.log?.(`created ${n} devices ${o.room}-SIM-${tag}-*`);
  return out;
}

/** Revokes the devices a run created, so their keys stop working. Best effort. */
export async function revokeCreated(url: string, admin: { username: string; password: string }, keys: SimKey[]): Promise<number> {
  const ids = [...new Set(keys.flatMap((k) => (k.createdId ? [k.createdId] : [])))];
  if (ids.length === 0) return 0;
  const { token } = await api(url, "POST", "/api/auth/login", Login, { body: admin });
  let n = 0;
  for (const id of ids) {
    try {
      await api(url, "POST", `/api/devices/${encodeURIComponent(id)}/revoke`, z.unknown(), { token, body: {} });
      n++;
    } catch {
      /* best effort: the report says how many were revoked */
    }
  }
  return n;
}
