// Account: usage this month, devices, password, log out, delete the account.
import { ApiError, api, forget, logout } from "./api.js";
import { busy, field, formError, h, mount, showError, toast } from "./dom.js";
import { errorMessage, shortDate, t } from "./i18n.js";
import { resetMemos } from "./memos.js";

function number(n) { return Number(n).toLocaleString(document.documentElement.lang); }

async function usageCard() {
  const card = h("section", { class: "card usage" }, h("h2", {}, t("account.usage")));
  try {
    const usage = await api.get("/api/usage");
    const share = usage.limit > 0 ? Math.min(100, (usage.used / usage.limit) * 100) : 100;
    const bar = h("div", { class: "meter" }, h("div", { class: "meter-fill" }));
    bar.firstChild.style.width = `${share}%`;
    card.append(
      h("p", { class: "usage-line", dataset: { used: usage.used, remaining: usage.remaining } },
        t("account.usageLine", { used: number(usage.used), limit: number(usage.limit), remaining: number(usage.remaining) })),
      bar,
      h("p", { class: "hint" }, t("account.resets", { date: shortDate(usage.resets_at, undefined, { utc: true }) })));
  } catch (err) {
    card.append(h("p", { class: "hint" }, err instanceof ApiError && err.code === "not_found" ? t("account.usageUnavailable") : errorMessage(err)));
  }
  return card;
}

async function devicesCard() {
  const list = h("ul", { class: "devices" });
  const card = h("section", { class: "card" }, h("h2", {}, t("account.devices")), list);
  const draw = async () => {
    const sessions = await api.get("/api/auth/sessions");
    list.replaceChildren(...sessions.map((s) => {
      const revoke = h("button", { type: "button", class: "small", dataset: { sessionId: s.id } }, t("account.revoke"));
      revoke.addEventListener("click", async () => {
        busy(revoke, true);
        try {
          if (s.current) { await logout(); return; }
          await api.del(`/api/auth/sessions/${s.id}`);
          await draw();
        } catch (err) {
          toast(errorMessage(err));
          busy(revoke, false);
        }
      });
      return h("li", { class: s.current ? "device current" : "device" },
        h("div", {}, h("strong", {}, s.device_name), s.current ? h("span", { class: "badge" }, t("account.thisDevice")) : null,
          h("small", { class: "hint" }, t("account.lastUsed", { date: shortDate(s.last_used_at) }))),
        revoke);
    }));
  };
  try { await draw(); } catch (err) { list.replaceChildren(h("li", {}, errorMessage(err))); }
  return card;
}

function passwordCard() {
  const error = formError();
  const submit = h("button", { type: "submit" }, t("account.password"));
  const form = h("form", { class: "card", "data-form": "password" },
    h("h2", {}, t("account.password")),
    field(t("account.currentPassword"), h("input", { type: "password", name: "current_password", required: true, autocomplete: "current-password" })),
    field(t("auth.newPassword"), h("input", { type: "password", name: "new_password", required: true, minlength: 8, autocomplete: "new-password" }), t("auth.passwordHint")),
    error, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(error, "");
    busy(submit, true);
    try {
      await api.put("/api/users/me/password", { current_password: form.current_password.value, new_password: form.new_password.value });
      form.reset();
      toast(t("account.passwordChanged"));
    } catch (err) {
      showError(error, errorMessage(err));
    } finally {
      busy(submit, false);
    }
  });
  return form;
}

function deleteCard() {
  const error = formError();
  const submit = h("button", { type: "submit", class: "danger" }, t("account.delete"));
  const form = h("form", { class: "card", "data-form": "delete" },
    h("h2", {}, t("account.delete")),
    h("p", { class: "hint" }, t("account.deleteHint")),
    field(t("auth.password"), h("input", { type: "password", name: "password", required: true, autocomplete: "current-password" })),
    error, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(error, "");
    busy(submit, true);
    try {
      await api.del("/api/users/me", { password: form.password.value });
      resetMemos();
      toast(t("account.deleted"));
      forget();
    } catch (err) {
      showError(error, errorMessage(err));
      busy(submit, false);
    }
  });
  return form;
}

export async function accountView(root, { state }) {
  const out = h("button", { type: "button", class: "primary", "data-action": "logout" }, t("account.logout"));
  out.addEventListener("click", async () => { busy(out, true); resetMemos(); await logout().catch(() => forget()); });
  const outAll = h("button", { type: "button" }, t("account.logoutAll"));
  outAll.addEventListener("click", async () => { busy(outAll, true); resetMemos(); await logout({ everywhere: true }).catch(() => forget()); });
  const [usage, devices] = await Promise.all([usageCard(), devicesCard()]);
  mount(root,
    h("header", { class: "bar" }, h("h1", {}, t("account.title")),
      state.me ? h("span", { class: "who" }, state.me.username) : null),
    usage, devices,
    h("section", { class: "card row" }, out, outAll),
    passwordCard(), deleteCard());
}
