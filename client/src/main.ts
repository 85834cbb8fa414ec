import { createApp } from "vue";
import { createPinia } from "pinia";
import App from "./App.vue";
import { i18n } from "./i18n";
import { router } from "./router";
import { configureHttp } from "./api/http";
import { onLoggedOut, useAuthStore } from "./stores/auth";
import { closePersonSockets, onPersonAuthExpired } from "./live/socket";
import { useRoomsStore } from "./stores/rooms";
import "./styles/base.css";

const app = createApp(App);
const pinia = createPinia();
app.use(pinia).use(i18n).use(router);

const auth = useAuthStore(pinia);

/** The login is gone (revoked, expired): forget it and go to /login, back here after. */
function sessionEnded() {
  if (!auth.token) return;
  auth.clear();
  const here = router.currentRoute.value;
  if (!here.meta.public) {
    void router.replace({ name: "login", query: { expired: "1", redirect: here.fullPath } });
  }
}

configureHttp({ token: () => auth.token, onUnauthorized: sessionEnded });
onPersonAuthExpired(sessionEnded);
onLoggedOut(() => {
  closePersonSockets();
  useRoomsStore(pinia).reset();
});

app.mount("#app");
