// The OCDS 1.1.5 validator the tests share: ajv (draft-04) with ajv-formats'
// full formats (date-time, uri, email, … really checked), the core release
// schema merged with the bids extension by JSON Merge Patch (RFC 7386), as
// the OCDS documentation describes for extensions, under the release package
// schema. The schema files are in shared/ocds beside the repository (see its
// README): the nearest `shared/ocds` above the repository (a git worktree sits
// one folder deeper than the main checkout).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";
import { expect } from "vitest";

function findShared(): string {
  for (let dir = dirname(join(import.meta.dirname, "..", "..")); ; dir = dirname(dir)) {
    const candidate = join(dir, "shared", "ocds");
    if (existsSync(join(candidate, "1.1.5", "release-schema.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error("shared/ocds (the OCDS schema files) not found beside the repository");
  }
}
export const OCDS_DIR = findShared();
const readJson = (...p: string[]) => JSON.parse(readFileSync(join(OCDS_DIR, ...p), "utf8")) as Record<string, unknown>;

/** RFC 7386 JSON Merge Patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A validator of a release package (release schema + bids extension), formats in "full" mode. */
export function ocdsValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv, { mode: "full" });
  ajv.addSchema(mergePatch(readJson("1.1.5", "release-schema.json"), readJson("bid_extension", "release-schema.json")) as object);
  return ajv.compile(readJson("1.1.5", "release-package-schema.json"));
}

/** The codes of one of the bids extension's codelists (bidStatus.csv, statistic.csv, …). */
export const ocdsCodes = (file: string) =>
  readFileSync(join(OCDS_DIR, "bid_extension", file), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(",")[0]!);

let shared: ReturnType<typeof ocdsValidator> | null = null;

/** Asserts that `pkg` is a valid release package, listing every schema error if not. */
export function expectValidOcds(pkg: unknown): void {
  shared ??= ocdsValidator();
  const ok = shared(pkg);
  expect(shared.errors ?? [], JSON.stringify(shared.errors, null, 1)).toEqual([]);
  expect(ok).toBe(true);
}

/** GET `url` as it is (no envelope expected): status, content type and the parsed JSON body. */
export async function fetchOcds(url: string, token?: string): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as Record<string, unknown> };
}
