// The spawn kiosk with real child processes (node itself as the "browser").
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../test/helpers/app";
import { SpawnKiosk, commandFor, splitCommand } from "./kiosk";
import { parseAgentArgs, UsageError } from "./options";

const node = JSON.stringify(process.execPath);
const kiosks: SpawnKiosk[] = [];
afterEach(async () => {
  await Promise.all(kiosks.splice(0).map((k) => k.close()));
});

describe("kiosk command lines", () => {
  it("splits words with quotes and substitutes %URL%", () => {
    expect(splitCommand(`chromium --kiosk --app=%URL%`)).toEqual(["chromium", "--kiosk", "--app=%URL%"]);
    expect(splitCommand(`"C:\\Program Files\\b.exe" --x='a b' "q\\"t"`)).toEqual(["C:\\Program Files\\b.exe", "--x=a b", 'q"t']);
    expect(commandFor("chromium --kiosk --app=%URL%", "http://h/screen#key=k")).toEqual(["chromium", "--kiosk", "--app=http://h/screen#key=k"]);
    expect(commandFor("firefox --kiosk", "http://h/s")).toEqual(["firefox", "--kiosk", "http://h/s"]);
  });
});

describe("SpawnKiosk", () => {
  it("relaunches a browser that exits, and stops relaunching once closed", async () => {
    const k = new SpawnKiosk({ command: `${node} -e "process.exit(0)" %URL%`, restartDelayMs: 20, maxRestartDelayMs: 40 });
    kiosks.push(k);
    await k.open("http://h/screen#key=k");
    await until(() => k.launches >= 3, 5000, "relaunched twice");
    await k.close();
    const n = k.launches;
    await new Promise((r) => setTimeout(r, 150));
    expect(k.launches).toBe(n);
  });

  it("keeps a running browser, relaunches it on reload and view changes, kills it on close", async () => {
    const k = new SpawnKiosk({ command: `${node} -e "setInterval(() => {}, 1000)" %URL%`, restartDelayMs: 20 });
    kiosks.push(k);
    expect(await k.open("http://h/screen#key=k")).toBe("kiosk launched");
    expect(await k.open("http://h/screen#key=k")).toBe("kiosk already showing the display");
    expect(k.launches).toBe(1);
    expect(await k.reload()).toBe("kiosk relaunched");
    expect(await k.showView("wall")).toBe("kiosk relaunched with view=wall");
    expect(k.launches).toBe(3);
    expect(k.running).toBe(true);
    await expect(k.identify(5, "K01-PJ")).rejects.toMatchObject({ code: "KIOSK_UNSUPPORTED" });
    await k.close();
    expect(k.running).toBe(false);
  });

  it("a command that cannot start is retried, not thrown", async () => {
    const logs: string[] = [];
    const k = new SpawnKiosk({ command: "/nonexistent/browser --kiosk", restartDelayMs: 20, maxRestartDelayMs: 40, log: (m) => logs.push(m) });
    kiosks.push(k);
    await k.open("http://h/s");
    await until(() => k.launches >= 2, 5000, "retried");
    expect(logs[0]).toMatch(/failed to start: .*ENOENT/);
  });
});

describe("agent command line", () => {
  const key = `dk_${"a".repeat(43)}`;
  it("reads flags, falls back to env, validates", () => {
    expect(parseAgentArgs(["--url", "http://h:3000", "--key", key, "--pjlink", "10.0.0.9", "--pjlink-password", "pw"], {})).toEqual({
      url: "http://h:3000",
      key,
      pjlink: { host: "10.0.0.9", port: 4352, password: "pw" },
      kiosk: null,
      identify: null,
      heartbeatMs: 3000,
    });
    expect(parseAgentArgs([], { HALL_URL: "http://h", HALL_DEVICE_KEY: key, HALL_KIOSK: "chromium --kiosk %URL%", HALL_HEARTBEAT_MS: "1000" })).toMatchObject({
      kiosk: "chromium --kiosk %URL%",
      heartbeatMs: 1000,
      pjlink: null,
    });
    expect(parseAgentArgs(["--help"], {})).toBeNull();
    expect(() => parseAgentArgs(["--url", "http://h"], {})).toThrow(UsageError);
    expect(() => parseAgentArgs(["--url", "h", "--key", key], {})).toThrow(/http/);
    expect(() => parseAgentArgs(["--url", "http://h", "--key", "nope"], {})).toThrow(/dk_/);
    expect(() => parseAgentArgs(["--url", "http://h", "--key", key, "--heartbeat-ms", "5"], {})).toThrow(/heartbeat/);
    expect(() => parseAgentArgs(["--bogus"], {})).toThrow(UsageError);
  });
});
