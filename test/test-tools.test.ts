// scripts/test-tools.ts, the provisioning `npm test` runs first: which tools are
// missing (a fake root with a fake PATH), what it would run as root on Debian,
// and what it says otherwise. Nothing here runs apt-get.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CJK_FONT_FILES, isDebianLike, missing, NEEDS, plan, type Host } from "../scripts/test-tools";

const root = mkdtempSync(join(tmpdir(), "hall-test-tools-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function put(rel: string, executable = true) {
  const file = join(root, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, "#!/bin/sh\n");
  if (executable) chmodSync(file, 0o755);
}

const host = (env: NodeJS.ProcessEnv = {}): Host => ({ path: "/usr/local/bin:/usr/bin", root, env });

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n';
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';
const MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n';
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\n';

describe("test tools (npm test provisions what the tests use)", () => {
  it("finds every tool missing on an empty machine, then only what is still missing", () => {
    expect(missing(host()).map((n) => n.what)).toEqual(NEEDS.map((n) => n.what));
    for (const cmd of ["pdftotext", "pdfinfo", "pdfimages", "pdftoppm", "pdfsig"]) put(`usr/bin/${cmd}`);
    put("usr/local/bin/qpdf");
    put("usr/bin/certutil", false); // not executable: not there
    expect(missing(host()).map((n) => n.pkg)).toEqual(["libnss3-tools", "openssl", "chromium", "fonts-noto-cjk"]);
    put("usr/bin/certutil");
    put("usr/bin/openssl");
    put("opt/chrome/chrome");
    put(CJK_FONT_FILES[0]!, false);
    expect(missing(host()).map((n) => n.what)).toEqual(["chromium"]); // /usr/bin/chromium by default
    expect(missing(host({ CHROMIUM_PATH: "/opt/chrome/chrome" }))).toEqual([]);
  });

  it("reads Debian, Ubuntu and their derivatives from os-release, and nothing else", () => {
    expect([DEBIAN, UBUNTU, MINT].map(isDebianLike)).toEqual([true, true, true]);
    expect([FEDORA, ""].map(isDebianLike)).toEqual([false, false]);
  });

  it("as root on Debian: apt-get update, then apt-get install -y of each package once, saying what and why", () => {
    const lacking = NEEDS.filter((n) => ["pdftotext", "pdfsig", "chromium", "Noto Sans CJK font"].includes(n.what));
    const p = plan(lacking, { root: true, debianLike: true });
    expect(p.kind).toBe("install");
    if (p.kind !== "install") return;
    expect(p.commands).toEqual([
      ["apt-get", "update"],
      ["apt-get", "install", "-y", "--no-install-recommends", "poppler-utils", "chromium", "fonts-noto-cjk"],
    ]);
    expect(p.lines[0]).toBe("[test-tools] installing poppler-utils chromium fonts-noto-cjk with apt-get for:");
    expect(p.lines.join("\n")).toMatch(/pdfsig\s+\(poppler-utils\): verifies the PDF signatures/);
    expect(p.lines.join("\n")).toMatch(/chromium\s+\(chromium\): the browser tests/);
  });

  it("not root (or not Debian): stops with the exact command to run, and never installs", () => {
    const lacking = NEEDS.filter((n) => ["qpdf", "certutil"].includes(n.what));
    const p = plan(lacking, { root: false, debianLike: true });
    expect(p.kind).toBe("stop");
    const text = p.kind === "stop" ? p.lines.join("\n") : "";
    expect(text).toContain("sudo apt-get update && sudo apt-get install -y --no-install-recommends qpdf libnss3-tools");
    expect(text).toContain("this is not root");
    const other = plan(lacking, { root: true, debianLike: false });
    expect(other.kind).toBe("stop");
    expect(other.kind === "stop" && other.lines.join("\n")).toMatch(/not Debian\/Ubuntu: install the equivalents of the Debian packages qpdf, libnss3-tools/);
    expect(plan([], { root: false, debianLike: false })).toEqual({ kind: "ready" });
  });
});
