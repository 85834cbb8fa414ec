// `npm test` runs this first (package.json "test"): the Debian tools the tests
// use are provisioned the way `playwright install --with-deps` does it. Each
// tool is looked for; when some are missing and we run as root on Debian or
// Ubuntu (/etc/os-release), `apt-get update` and `apt-get install -y` install
// their packages, saying what and why; otherwise it stops (exit 1) with the
// exact command to run. No test skips itself for a missing tool: this is where
// a missing tool is dealt with.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface Need {
  /** What is looked for: a command on PATH, a file, or a font. */
  what: string;
  pkg: string;
  why: string;
  present(host: Host): boolean;
}

/** What the checks see: PATH, a root folder (tests pass a fake one), and the environment. */
export interface Host {
  path: string;
  root: string;
  env: NodeJS.ProcessEnv;
}

const isExecutable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** A command on PATH (absolute PATH entries are taken under `root`). */
export const onPath = (host: Host, cmd: string) => host.path.split(delimiter).some((dir) => dir && isExecutable(join(host.root, dir, cmd)));

const command = (cmd: string, pkg: string, why: string): Need => ({ what: cmd, pkg, why, present: (h) => onPath(h, cmd) });

/** Where Debian's fonts-noto-cjk puts its fonts (and other distributions' names for the same files). */
export const CJK_FONT_FILES = [
  "usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
  "usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
  "usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
];

/** Every tool the tests (and the server's PDF checks) use, with the Debian package that brings it. */
export const NEEDS: Need[] = [
  command("pdftotext", "poppler-utils", "reads the text of the opening record, reports and evaluation PDFs"),
  command("pdfinfo", "poppler-utils", "checks page counts and sizes of the PDFs"),
  command("pdfimages", "poppler-utils", "checks the charts embedded in the statistics report"),
  command("pdftoppm", "poppler-utils", "renders PDF pages"),
  command("pdfsig", "poppler-utils", "verifies the PDF signatures of records and reports"),
  command("qpdf", "qpdf", "checks the PDFs' structure"),
  command("certutil", "libnss3-tools", "builds the NSS trust store pdfsig verifies against"),
  command("openssl", "openssl", "makes CMS envelopes the way a bidder's own tools do"),
  {
    what: "chromium",
    pkg: "chromium",
    why: "the browser tests drive Debian's Chromium with playwright-core (CHROMIUM_PATH to use another)",
    present: (h) => isExecutable(join(h.root, h.env.CHROMIUM_PATH ?? "/usr/bin/chromium")),
  },
  {
    what: "Noto Sans CJK font",
    pkg: "fonts-noto-cjk",
    why: "Chinese text in the browser tests' pages and screenshots",
    present: (h) => CJK_FONT_FILES.some((f) => existsSync(join(h.root, f))),
  },
];

export function missing(host: Host, needs = NEEDS): Need[] {
  return needs.filter((n) => !n.present(host));
}

/** ID and ID_LIKE of an os-release file: Debian, Ubuntu and their derivatives use apt-get. */
export function isDebianLike(osRelease: string): boolean {
  const field = (name: string) => new RegExp(`^${name}=["']?([^"'\\n]*)`, "m").exec(osRelease)?.[1]?.toLowerCase() ?? "";
  return [field("ID"), ...field("ID_LIKE").split(/\s+/)].some((id) => id === "debian" || id === "ubuntu");
}

export type Plan =
  | { kind: "ready" }
  | { kind: "install"; packages: string[]; commands: string[][]; lines: string[] }
  | { kind: "stop"; packages: string[]; lines: string[] };

/** What to do about the missing tools: nothing, install (root on Debian/Ubuntu), or stop with the command to run. */
export function plan(lacking: Need[], host: { root: boolean; debianLike: boolean }): Plan {
  if (!lacking.length) return { kind: "ready" };
  const packages = [...new Set(lacking.map((n) => n.pkg))];
  const why = lacking.map((n) => `  ${n.what.padEnd(18)} (${n.pkg}): ${n.why}`);
  if (host.root && host.debianLike) {
    return {
      kind: "install",
      packages,
      commands: [["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", ...packages]],
      lines: [`[test-tools] installing ${packages.join(" ")} with apt-get for:`, ...why],
    };
  }
  const cmd = `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(" ")}`;
  return {
    kind: "stop",
    packages,
    lines: [
      "[test-tools] the tests need tools this machine lacks:",
      ...why,
      host.debianLike
        ? `Install them (this is not root, so npm test cannot) with:\n  ${cmd}`
        : `This is not Debian/Ubuntu: install the equivalents of the Debian packages ${packages.join(", ")}; on Debian/Ubuntu it is:\n  ${cmd}`,
      "then run npm test again.",
    ],
  };
}

function main(): number {
  const host: Host = { path: process.env.PATH ?? "", root: "/", env: process.env };
  const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  const todo = plan(missing(host), { root: process.getuid?.() === 0, debianLike: isDebianLike(osRelease) });
  if (todo.kind === "ready") return 0;
  for (const line of todo.lines) console.error(line);
  if (todo.kind === "stop") return 1;
  for (const [cmd, ...args] of todo.commands) {
    console.error(`[test-tools] ${[cmd, ...args].join(" ")}`);
    const r = spawnSync(cmd!, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0) {
      console.error(`[test-tools] ${cmd} ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`}); run it by hand and npm test again`);
      return 1;
    }
  }
  const still = missing(host);
  if (still.length) {
    console.error(`[test-tools] still missing after apt-get: ${still.map((n) => `${n.what} (${n.pkg})`).join(", ")}`);
    return 1;
  }
  console.error(`[test-tools] installed ${todo.packages.join(" ")}`);
  return 0;
}

if (process.argv[1] && /test-tools\.ts$/.test(process.argv[1])) process.exit(main());
