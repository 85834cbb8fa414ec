// The expert-draw commands timed through the app (Prisma, audit, invitations), shared by the SQLite and PostgreSQL
// draw benchmarks: seeds the demo center, makes a project, then requests + reveals (and cancels) the same two-site
// draw `runs + 1` times; the first round is a warm-up.
import { performance } from "node:perf_hooks";
import type { App } from "../../server/app";
import type { Principal } from "../../server/auth/principal";
import { cancelDraw } from "../../server/experts/commands/cancel-draw";
import { requestDraw } from "../../server/experts/commands/request-draw";
import { revealDraw } from "../../server/experts/commands/reveal-draw";
import { seedDemo } from "../../server/seed/demo";

export async function timeDrawCommands(app: App, evaluationAt: Date, ownerCreditCode: string, runs: number): Promise<{ commands: number[]; reqOnly: number[] }> {
  await seedDemo(app.db);
  const agentUser = await app.db.user.findFirstOrThrow({ where: { role: "agent" } });
  const principal: Principal = { kind: "user", userId: agentUser.id, username: agentUser.username, displayName: "", role: "agent", companyId: null, tokenId: "bench", expiresAt: new Date(Date.now() + 86_400_000) };
  const rooms = await app.db.room.findMany();
  const project = await app.db.project.create({
    data: { code: `BENCH-${Date.now()}`, name: "基准测试项目", category: "engineering", procedure: "open", ownerName: "演示县交通运输局", agentUserId: agentUser.id },
  });
  const input = {
    projectId: project.id,
    evaluationAt: evaluationAt.toISOString(),
    ownerRepresentatives: 0,
    ownerCreditCodes: [ownerCreditCode],
    projectRegionCode: "320506",
    excludeSameCounty: true,
    manualExclusions: [],
    sites: [
      { roomId: rooms.find((r) => r.code === "P01")!.id, role: "main" as const, needs: [{ specialtyCode: "A010101", count: 3, backups: 1 }, { specialtyCode: "A010201", count: 2, backups: 1 }, { specialtyCode: "A0401", count: 1, backups: 0 }] },
      { roomId: rooms.find((r) => r.code === "Y01")!.id, role: "secondary" as const, regionPrefix: "3206", needs: [{ specialtyCode: "A010101", count: 2, backups: 1 }, { specialtyCode: "A0401", count: 1, backups: 0 }] },
    ],
  };
  const commands: number[] = [];
  const reqOnly: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    const d = await requestDraw(app.ctx, principal, input);
    const t1 = performance.now();
    await revealDraw(app.ctx, principal, d.drawId);
    const t2 = performance.now();
    if (i > 0) {
      commands.push(t2 - t0);
      reqOnly.push(t1 - t0);
    }
    await cancelDraw(app.ctx, principal, d.drawId, "基准测试");
  }
  return { commands, reqOnly };
}
