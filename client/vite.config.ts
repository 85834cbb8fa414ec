// Vite config of the hall's web client. Built into client/dist, which the
// server serves (CLIENT_DIST); in dev the API, Socket.IO and health check are
// proxied to the server on :3000.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const server = "http://127.0.0.1:3000";

export default defineConfig({
  root: here("."),
  base: "/",
  plugins: [vue()],
  resolve: {
    alias: {
      "@contracts": here("../server/contracts"),
      // The sealing library the server also uses (its browser half: forge only, no Node APIs).
      "@sealing": here("../server/opening/sealing"),
      "@": here("./src"),
    },
  },
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      "/api": { target: server, changeOrigin: false },
      "/socket.io": { target: server, ws: true, changeOrigin: false },
      "/healthz": { target: server, changeOrigin: false },
    },
  },
  build: {
    outDir: here("./dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      output: {
        codeSplitting: {
          // Vendor chunks that change rarely (long cache life). Vue first, with the
          // highest priority: groups take their modules' dependencies along, so a
          // lower-priority group must not swallow the Vue runtime.
          groups: [
            { name: "vue", test: /node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/, priority: 40 },
            {
              name: "socket",
              test: /node_modules[\\/](socket\.io-client|socket\.io-parser|engine\.io-client|engine\.io-parser|@socket\.io|debug|ms|fast-json-patch)[\\/]/,
              priority: 35,
            },
            // Element Plus serves the person pages only; hall screens never load it.
            // The date-time picker and dayjs are left out: only the agent's project form uses them (its own lazy chunk).
            {
              name: "element-plus",
              test: /node_modules[\\/](?!element-plus[\\/]es[\\/]components[\\/](?:date-picker|date-picker-panel|time-picker|time-select)[\\/])(element-plus|@element-plus|@floating-ui|@ctrl|lodash-unified|lodash-es|async-validator|@vueuse|memoize-one|normalize-wheel-es)[\\/]/,
              priority: 30,
            },
          ],
        },
      },
    },
  },
});
