// The shell: resume the session from the refresh cookie, then route by the URL hash.
import { api, isLoggedIn, onSessionEnd, refresh } from "./api.js";
import { h, mount } from "./dom.js";
import { setLanguage, t } from "./i18n.js";
import { loginView, resetView, signupView } from "./auth.js";
import { performView } from "./perform.js";
import { memosView } from "./memos.js";
import { voiceView } from "./voice.js";
import { settingsView } from "./settings.js";
import { accountView } from "./account.js";

// What every screen may read: the account and its settings (loaded after login).
export const state = { me: null, settings: null };

const PUBLIC = { login: loginView, signup: signupView, reset: resetView };
const PRIVATE = {
  perform: performView, memos: memosView, voice: voiceView, settings: settingsView, account: accountView,
};
const TABS = ["perform", "voice", "settings", "account"];

// The new screen is drawn in the same task as the tap that asked for it (setting location.hash
// would wait for the hashchange event); going back still comes through hashchange.
export function go(route) {
  if (location.hash !== `#/${route}`) history.pushState(null, "", `#/${route}`);
  render();
}

export async function loadAccount() {
  const [me, settings] = await Promise.all([api.get("/api/users/me"), api.get("/api/users/me/settings")]);
  state.me = me;
  applySettings(settings);
}

export function applySettings(settings) {
  state.settings = settings;
  setLanguage(settings ? settings.voice_language : null);
}

function currentRoute() {
  return location.hash.replace(/^#\/?/, "").split("?")[0] || "perform";
}

function tabBar(active) {
  return h("nav", { class: "tabs" }, TABS.map((name) =>
    h("a", { href: `#/${name}`, class: name === active ? "tab active" : "tab", "aria-current": name === active ? "page" : null },
      h("span", { class: `tab-icon icon-${name}`, "aria-hidden": "true" }), t(`nav.${name}`))));
}

let renderToken = 0;

async function render() {
  const token = ++renderToken;
  const root = document.getElementById("app");
  let route = currentRoute();
  if (!isLoggedIn() && !(route in PUBLIC)) route = "login";
  if (isLoggedIn() && route in PUBLIC) route = "perform";
  if (!(route in PUBLIC) && !(route in PRIVATE)) route = "perform";
  document.body.dataset.screen = route;
  // The memo screen is for the audience's eyes: no leftover message from another screen.
  const leftover = document.getElementById("toast");
  if (route === "memos" && !leftover.classList.contains("discreet")) leftover.hidden = true;
  const view = PUBLIC[route] || PRIVATE[route];
  const content = h("main", { class: `screen screen-${route}` });
  const withTabs = TABS.includes(route);
  mount(root, content, withTabs ? tabBar(route) : null);
  await view(content, { go, state });
  if (token !== renderToken) return;
}

onSessionEnd(() => {
  state.me = null;
  state.settings = null;
  setLanguage(null);
  go("login");
});

async function start() {
  setLanguage(null);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
  }
  if (await refresh()) {
    try { await loadAccount(); } catch { /* shown again by the screen that needs it */ }
  }
  window.addEventListener("hashchange", render);
  await render();
  document.body.dataset.ready = "1";
}

start();
