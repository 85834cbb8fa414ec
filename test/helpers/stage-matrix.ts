// The stage matrix: which state-changing command may succeed in which stage of a
// domain, for which role, written once as data (a table), and a runner that tries
// every pair. A refused pair must answer its code (FORBIDDEN for the role, the
// domain's stage code for the stage) and change nothing; an allowed pair must
// succeed. Generic over the domain: the opening, the expert draw and the
// evaluation each write their own table (test/stage-matrix-*.test.ts).
import { expect } from "vitest";

export type MatrixAck = { ok: true; data?: unknown } | { ok: false; error: { code: string; message?: string } };

export interface MatrixRow<Stage extends string, Role extends string, Ctx> {
  /** The contract's name (socket event or HTTP route key): the coverage check matches the contracts against it. */
  command: string;
  /** Several rows may cover one command (each sheet step, accept/decline, …). */
  variant?: string;
  /** Who may call it at all. */
  roles: readonly Role[];
  /** Where it may succeed (for those roles). */
  stages: readonly Stage[];
  /** Roles admitted only in some stages (e.g. the chair's terminal once a chair is elected). */
  rolesIn?: Partial<Record<Stage, readonly Role[]>>;
  /** The code a refusal for the stage answers, where it is not the table's. */
  stageCode?: Partial<Record<Stage, string>>;
  /** Stages (or roles) where the command has nothing to act on (no valid input exists): not tried. */
  na?: (stage: Stage, role: Role) => boolean;
  /** A success moves the subject to another stage: allowed pairs run on fresh copies, or as the walk's step. */
  moves?: boolean;
  /** Runs the command as `role` with an input valid in every stage (so a refusal is about the stage or the role). */
  run(role: Role, ctx: Ctx): Promise<MatrixAck>;
}

export interface MatrixTable<Stage extends string, Role extends string, Ctx> {
  name: string;
  stages: readonly Stage[];
  roles: readonly Role[];
  /** The domain's refusal for a command in a stage where it is not allowed. */
  stageCode(stage: Stage): string;
  /** The refusal for a role the command does not admit (default FORBIDDEN; e.g. UNAUTHENTICATED without a login). */
  roleCode?(role: Role): string;
  rows: MatrixRow<Stage, Role, Ctx>[];
}

export const rowName = (r: { command: string; variant?: string }) => (r.variant ? `${r.command}(${r.variant})` : r.command);

/** "ok", or the code the pair must be refused with: the role first (the gate and the command check it first), then the stage. */
export function expected<S extends string, R extends string, C>(table: MatrixTable<S, R, C>, row: MatrixRow<S, R, C>, stage: S, role: R): "ok" | string {
  const roles = row.rolesIn?.[stage] ?? row.roles;
  if (!roles.includes(role)) return table.roleCode?.(role) ?? "FORBIDDEN";
  if (!row.stages.includes(stage)) return row.stageCode?.[stage] ?? table.stageCode(stage);
  return "ok";
}

/**
 * Every state-changing contract of the domain has a row, and every row names a contract: a new command fails
 * here by name until the table says where it may run. `readOnly`: commands of the domain that change nothing.
 */
export function expectCoverage(table: MatrixTable<string, string, unknown>, contractNames: string[], readOnly: string[] = []) {
  const inTable = new Set(table.rows.map((r) => r.command));
  const uncovered = contractNames.filter((n) => !inTable.has(n) && !readOnly.includes(n));
  expect(uncovered, `${table.name}: state-changing commands without a row in the stage matrix`).toEqual([]);
  const unknown = [...inTable].filter((n) => !contractNames.includes(n));
  expect(unknown, `${table.name}: rows naming no contract`).toEqual([]);
  for (const r of table.rows) for (const s of r.stages) expect(table.stages, `${rowName(r)}: stage ${s}`).toContain(s);
}

export interface Tally {
  pairs: number;
  refusedRole: number;
  refusedStage: number;
  /** Allowed pairs run and answered ok. */
  ok: number;
  /** Allowed pairs of a moving command checked by the walk's own step in a later stage (one moves the subject on). */
  okElsewhere: number;
  /** Allowed pairs neither run nor walked (only one of them can move the subject on; or `skip`). */
  notRun: number;
  na: number;
}
export const newTally = (): Tally => ({ pairs: 0, refusedRole: 0, refusedStage: 0, ok: 0, okElsewhere: 0, notRun: 0, na: 0 });

/** The walk ran an allowed pair of a moving command itself (tryAllowed had counted it as not run). */
export function walked(tally: Tally) {
  tally.notRun--;
  tally.okElsewhere++;
}

const label = (table: string, stage: string, row: { command: string; variant?: string }, role: string) => `${table} [${stage}] ${role} → ${rowName(row)}`;

/**
 * Tries every refused pair of `stage` on `ctx`: each must answer its code and leave `fingerprint()` unchanged.
 * Run before the allowed pairs, which change the state.
 */
export async function tryRefused<S extends string, R extends string, C>(
  table: MatrixTable<S, R, C>,
  stage: S,
  ctx: C,
  fingerprint: () => Promise<string>,
  tally: Tally,
  opts: { pause?: () => Promise<void> } = {},
) {
  let before = await fingerprint();
  for (const row of table.rows) {
    for (const role of table.roles) {
      if (row.na?.(stage, role)) continue;
      const want = expected(table, row, stage, role);
      if (want === "ok") continue;
      const res = await row.run(role, ctx);
      const name = label(table.name, stage, row, role);
      expect(res.ok ? "ok" : res.error.code, name).toBe(want);
      const after = await fingerprint();
      if (after !== before) {
        let i = 0;
        while (i < after.length && after[i] === before[i]) i++;
        expect.fail(`${name}: a refused command changed the database: …${before.slice(Math.max(0, i - 300), i + 200)}… became …${after.slice(Math.max(0, i - 300), i + 200)}…`);
      }
      before = after;
      const roles = row.rolesIn?.[stage] ?? row.roles;
      if (!roles.includes(role)) tally.refusedRole++;
      else tally.refusedStage++;
      tally.pairs++;
      await opts.pause?.();
    }
  }
}

/**
 * Tries the allowed pairs of `stage`: those of commands that do not move the subject on `ctx` (each must answer ok),
 * those that do each on `fresh(row, role)` (a new subject brought to this stage) when given; without it the caller's
 * walk runs them (counted by `walked`).
 */
export async function tryAllowed<S extends string, R extends string, C>(
  table: MatrixTable<S, R, C>,
  stage: S,
  ctx: C,
  tally: Tally,
  /** skip: allowed pairs that cannot both run on one subject (e.g. signing and refusing to sign by one member): counted as not run. */
  opts: { fresh?: (row: MatrixRow<S, R, C>, role: R) => Promise<C>; skip?: (row: MatrixRow<S, R, C>, role: R) => boolean } = {},
) {
  for (const row of table.rows) {
    for (const role of table.roles) {
      if (row.na?.(stage, role) || expected(table, row, stage, role) !== "ok") continue;
      if ((row.moves && !opts.fresh) || opts.skip?.(row, role)) {
        tally.notRun++;
        tally.pairs++;
        continue;
      }
      const res = await row.run(role, row.moves ? await opts.fresh!(row, role) : ctx);
      expect(res.ok ? "ok" : res.error.code, label(table.name, stage, row, role)).toBe("ok");
      tally.ok++;
      tally.pairs++;
    }
  }
}

/** The number of pairs not tried in `stage` because the command has nothing to act on there. */
export function countNa<S extends string, R extends string, C>(table: MatrixTable<S, R, C>, stage: S, tally: Tally) {
  for (const row of table.rows) for (const role of table.roles) if (row.na?.(stage, role)) tally.na++;
}

/** One line per table: commands × stages × roles and how the pairs came out (printed like the authorization matrix). */
export function summary(table: MatrixTable<string, string, unknown>, tally: Tally): string {
  const all = table.rows.length * table.stages.length * table.roles.length;
  return (
    `[stage-matrix] ${table.name}: ${table.rows.length} commands × ${table.stages.length} stages × ${table.roles.length} roles = ${all} pairs: ` +
    `${tally.ok} allowed ran ok, ${tally.okElsewhere} allowed (moving) ran as the walk's step, ${tally.notRun} allowed not run, ${tally.refusedRole} refused for the role, ` +
    `${tally.refusedStage} refused for the stage, ${tally.na} without anything to act on`
  );
}
