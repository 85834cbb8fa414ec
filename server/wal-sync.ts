// Durable commits without blocking the event loop (SQLite, WAL mode).
//
// At synchronous=FULL SQLite fsyncs the WAL inside COMMIT, i.e. on the event
// loop: 1–3 ms on these machines, during which no socket is served. The app's
// connection runs at synchronous=NORMAL instead (a commit is in the WAL and
// visible at once; it survives a process crash, and a power loss can only take
// a suffix of the WAL: consistent, never torn) and every write that is
// acknowledged waits for `sync()`: an fdatasync of the WAL file on libuv's
// thread pool. Commits that arrive while a sync is running share the next one
// (group commit). Linux flushes a file's dirty pages whichever descriptor wrote
// them, so our own descriptor of the WAL covers the connection's writes.
//
// Checkpoints need nothing from us: at NORMAL SQLite syncs the WAL before a
// checkpoint and the database file after it.
import { open, stat, type FileHandle } from "node:fs/promises";

export class WalSync {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private handle: FileHandle | null = null;
  private handleIno = -1;
  /** fdatasync calls made (tests and benchmarks: fewer than commits under load means commits shared them). */
  syncs = 0;

  constructor(private readonly walPath: string) {}

  /**
   * Resolves once every write committed before the call is on disk. The flush starts on the next turn of
   * the event loop (setImmediate), not at once: the work the commit set off in this turn (the screens'
   * stream versions, their fan-out, other commits) runs first and does not write into a file that is
   * being flushed, and the commits of one turn share one flush.
   */
  sync(): Promise<void> {
    // A flush already running may have started before the caller's commit: the caller needs one that starts later.
    this.queued ??= (this.running ?? Promise.resolve()).then(
      () => new Promise<void>((r) => setImmediate(r)).then(() => this.startQueued()),
      () => new Promise<void>((r) => setImmediate(r)).then(() => this.startQueued()),
    );
    return this.queued;
  }

  private startQueued(): Promise<void> {
    this.queued = null;
    return this.start();
  }

  private start(): Promise<void> {
    const run = this.flush().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async flush(): Promise<void> {
    this.syncs++;
    let h: FileHandle;
    try {
      h = await this.file();
    } catch (err) {
      // No WAL file: nothing was written through WAL since the last connection closed it.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    await h.datasync();
  }

  /** Our descriptor of the WAL file, reopened when the file was replaced (the last connection closed and deleted it). */
  private async file(): Promise<FileHandle> {
    const ino = (await stat(this.walPath)).ino;
    if (this.handle && ino === this.handleIno) return this.handle;
    await this.handle?.close().catch(() => undefined);
    this.handle = await open(this.walPath, "r+");
    this.handleIno = (await this.handle.stat()).ino;
    return this.handle;
  }

  async close(): Promise<void> {
    // Let a running or queued sync finish before the descriptor goes.
    await Promise.allSettled([this.running, this.queued]);
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
  }
}
