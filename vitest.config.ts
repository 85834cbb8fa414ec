import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: {
    alias: {
      "@contracts": fileURLToPath(new URL("./server/contracts", import.meta.url)),
      "@sealing": fileURLToPath(new URL("./server/opening/sealing", import.meta.url)),
    },
  },
  test: {
    include: ["server/**/*.test.ts", "devices/**/*.test.ts", "test/**/*.test.ts", "client/src/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["./test/global-setup.ts"],
  },
});
