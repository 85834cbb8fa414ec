// The demo trading center seeded by `npm start` on first run: an opening hall
// (projector, entrance board, two bidder terminals, a monitoring wall), an
// evaluation room with 7 expert terminals, an off-site evaluation room in
// another city with 3 terminals, and one user per role. With the app's context
// (`npm start` passes it; test apps leave it out unless they ask) the demo's
// content follows: specialty tree, expert pool, statistics ledger and an open
// tender (server/seed/content.ts).
import { creditCodeCheckChar } from "@contracts/ids";
import type { DeviceKind, Role } from "@contracts/common";
import { appendAudit } from "../audit/chain";
import { hashPassword } from "../auth/password";
import type { Db } from "../db";
import { hashDeviceKey, newDeviceKey } from "../devices/keys";
import type { AppContext } from "../context";
import { CONTENT_PLANNED, demoContentPending, seedDemoContent, type DemoContent } from "./content";

export { demoContentPending, type DemoContent } from "./content";

export const DEMO_PASSWORD = "Demo@2026";

export const demoUsers: { username: string; displayName: string; role: Role }[] = [
  { username: "admin", displayName: "系统管理员", role: "admin" },
  { username: "agent", displayName: "招标代理 王敏", role: "agent" },
  { username: "bidder", displayName: "投标人 李强（华建集团）", role: "bidder" },
  { username: "expert", displayName: "评标专家 陈静", role: "expert" },
  { username: "supervisor", displayName: "监督 赵刚", role: "supervisor" },
  // Escrow keys are split 2-of-3 among three supervisors.
  { username: "supervisor2", displayName: "监督 孙丽", role: "supervisor" },
  { username: "supervisor3", displayName: "监督 周涛", role: "supervisor" },
  { username: "bidder2", displayName: "投标人 吴昊（江南路桥）", role: "bidder" },
  { username: "bidder3", displayName: "投标人 郑洁（远洋建设）", role: "bidder" },
];

const demoCompanies: Record<string, { name: string; first17: string; contact: string }> = {
  bidder: { name: "华建集团有限公司", first17: "91320500MA1HJ0001", contact: "李强 138-0000-0001" },
  bidder2: { name: "江南路桥工程有限公司", first17: "91320500MA1JN0002", contact: "吴昊 138-0000-0002" },
  bidder3: { name: "远洋建设股份有限公司", first17: "91320500MA1YY0003", contact: "郑洁 138-0000-0003" },
};

export interface DemoDevice {
  code: string;
  name: string;
  kind: DeviceKind;
  room: string;
  key: string;
}

const credit = (first17: string) => first17 + creditCodeCheckChar(first17);

export interface SeedDemoOptions {
  /**
   * The app's context: the demo's content (experts, ledger, open tender) is seeded too,
   * through the domains' commands. Without it only the center, rooms, devices and people.
   */
  app?: AppContext;
  /** Called as soon as the center is committed (before the content): the device keys exist only here. */
  onDevices?: (devices: DemoDevice[]) => void;
  /** "Now" for the open tender's deadline (tests). */
  now?: number;
}

export interface SeedDemoResult {
  /** The devices made now (empty when the center was already there and only the content was finished). */
  devices: DemoDevice[];
  /** What the content steps did (null: not asked for, or not planned for this database). */
  content: DemoContent | null;
}

/**
 * Seeds once; returns null when there was nothing to do. The center is one transaction. With `app`,
 * the content follows step by step (each skipped when done), and a start after an interrupted seed
 * finishes it: the center's transaction records that content is planned, and the open tender,
 * made last, marks it complete. A database seeded without content never gets it later.
 */
export async function seedDemo(db: Db, opts: SeedDemoOptions = {}): Promise<SeedDemoResult | null> {
  if ((await db.center.count()) > 0) {
    if (!opts.app || !(await demoContentPending(db))) return null;
    return { devices: [], content: await seedDemoContent(opts.app, opts.now) };
  }
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const devices: DemoDevice[] = [];
  await db.$transaction(async (tx) => {
    const center = await tx.center.create({ data: { code: "DEMO", name: "演示县公共资源交易中心", city: "演示县" } });
    const rooms = {
      hall: await tx.room.create({ data: { centerId: center.id, code: "K01", name: "第一开标厅", kind: "opening", city: "演示县" } }),
      eval: await tx.room.create({ data: { centerId: center.id, code: "P01", name: "第一评标室", kind: "evaluation", city: "演示县" } }),
      remote: await tx.room.create({
        data: { centerId: center.id, code: "Y01", name: "异地评标室（邻市分中心）", kind: "remote-evaluation", city: "邻市" },
      }),
    };
    const plan: [keyof typeof rooms, DeviceKind, string, string][] = [
      ["hall", "projector", "K01-PJ", "开标厅投影"],
      ["hall", "entrance-board", "K01-EB", "入口信息屏"],
      ["hall", "bidder-terminal", "K01-BT1", "投标人终端 1"],
      ["hall", "bidder-terminal", "K01-BT2", "投标人终端 2"],
      ["hall", "monitoring-wall", "K01-MW", "监控大屏"],
      ...Array.from({ length: 7 }, (_, i): [keyof typeof rooms, DeviceKind, string, string] => [
        "eval",
        "expert-terminal",
        `P01-ET${i + 1}`,
        `专家终端 ${i + 1}`,
      ]),
      ...Array.from({ length: 3 }, (_, i): [keyof typeof rooms, DeviceKind, string, string] => [
        "remote",
        "expert-terminal",
        `Y01-ET${i + 1}`,
        `异地专家终端 ${i + 1}`,
      ]),
    ];
    for (const [room, kind, code, name] of plan) {
      const key = newDeviceKey();
      await tx.device.create({ data: { roomId: rooms[room].id, code, name, kind, keyHash: hashDeviceKey(key) } });
      devices.push({ code, name, kind, room: rooms[room].name, key });
    }
    for (const u of demoUsers) {
      const c = demoCompanies[u.username];
      const company = c
        ? await tx.company.create({ data: { centerId: center.id, name: c.name, creditCode: credit(c.first17), contact: c.contact } })
        : null;
      await tx.user.create({ data: { ...u, passwordHash, companyId: company?.id ?? null } });
    }
    await appendAudit(tx, {
      actor: { kind: "system", id: "seed", role: "system" },
      action: "center.seedDemo",
      target: `center:${center.id}`,
      payload: { rooms: Object.values(rooms).map((r) => r.code), devices: devices.map((d) => d.code) },
    });
    if (opts.app) {
      await appendAudit(tx, {
        actor: { kind: "system", id: "seed", role: "system" },
        action: CONTENT_PLANNED,
        target: `center:${center.id}`,
        payload: { steps: ["specialties", "experts", "ledger", "project"] },
      });
    }
  });
  opts.onDevices?.(devices);
  return { devices, content: opts.app ? await seedDemoContent(opts.app, opts.now) : null };
}
