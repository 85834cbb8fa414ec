/** Helper for the document tests: run the poppler/qpdf command-line tools. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** Runs a command line tool; resolves with stdout, rejects with a hint when it is missing. */
export async function tool(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { maxBuffer: 64 << 20, timeout: 60_000 });
    return stdout;
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") {
      throw new Error(`${cmd} not found: apt-get install -y poppler-utils qpdf libnss3-tools`, { cause: err });
    }
    throw err;
  }
}
