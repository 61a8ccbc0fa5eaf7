// Log in, sign up with an activation code, reset the password with the code.
import { api, login } from "./api.js";
import { busy, field, formError, h, mount, showError, toast } from "./dom.js";
import { errorMessage, t } from "./i18n.js";
import { loadAccount } from "./app.js";

function header() {
  return h("header", { class: "brand" },
    h("img", { src: "/static/icons/icon.svg", alt: "", width: 64, height: 64 }),
    h("h1", {}, t("appName")),
    h("p", { class: "tagline" }, t("auth.tagline")));
}

function input(name, type, extra = {}) {
  return h("input", { name, type, required: true, ...extra });
}

export async function loginView(root, { go }) {
  const error = formError();
  const submit = h("button", { type: "submit", class: "primary" }, t("auth.login"));
  const form = h("form", { class: "card", "data-form": "login" },
    field(t("auth.loginName"), input("login", "text", { autocomplete: "username", autocapitalize: "none" })),
    field(t("auth.password"), input("password", "password", { autocomplete: "current-password" })),
    error, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(error, "");
    busy(submit, true);
    try {
      await login(form.login.value.trim(), form.password.value);
      await loadAccount();
      go("perform");
    } catch (err) {
      showError(error, errorMessage(err));
    } finally {
      busy(submit, false);
    }
  });
  mount(root, header(), form,
    h("p", { class: "links" },
      h("a", { href: "#/signup" }, t("auth.noAccount")), h("br"),
      h("a", { href: "#/reset" }, t("auth.forgot"))));
}

export async function signupView(root, { go }) {
  const error = formError();
  const submit = h("button", { type: "submit", class: "primary" }, t("auth.signup"));
  const form = h("form", { class: "card", "data-form": "signup" },
    field(t("auth.code"), input("activation_code", "text", {
      autocomplete: "off", autocapitalize: "none", spellcheck: false, maxlength: 64, class: "code",
    }), t("auth.codeHint")),
    field(t("auth.username"), input("username", "text", { autocomplete: "username", autocapitalize: "none", maxlength: 30 }), t("auth.usernameHint")),
    field(t("auth.email"), input("email", "email", { autocomplete: "email" })),
    field(t("auth.password"), input("password", "password", { autocomplete: "new-password", minlength: 8 }), t("auth.passwordHint")),
    error, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(error, "");
    busy(submit, true);
    const payload = {
      activation_code: form.activation_code.value.trim(),
      username: form.username.value.trim(),
      email: form.email.value.trim(),
      password: form.password.value,
    };
    try {
      await api.post("/api/auth/register", payload, { auth: false });
      await login(payload.username, payload.password);
      await loadAccount();
      toast(t("auth.signedUp"));
      go("voice"); // the first thing a new performer needs
    } catch (err) {
      showError(error, errorMessage(err));
    } finally {
      busy(submit, false);
    }
  });
  mount(root, header(), form, h("p", { class: "links" }, h("a", { href: "#/login" }, t("auth.haveAccount"))));
}

export async function resetView(root, { go }) {
  const error = formError();
  const submit = h("button", { type: "submit", class: "primary" }, t("auth.reset"));
  const form = h("form", { class: "card", "data-form": "reset" },
    h("p", { class: "hint" }, t("auth.resetHint")),
    field(t("auth.email"), input("email", "email", { autocomplete: "email" })),
    field(t("auth.code"), input("activation_code", "text", { autocomplete: "off", autocapitalize: "none", class: "code" })),
    field(t("auth.newPassword"), input("new_password", "password", { autocomplete: "new-password", minlength: 8 }), t("auth.passwordHint")),
    error, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(error, "");
    busy(submit, true);
    try {
      await api.post("/api/auth/reset-password", {
        email: form.email.value.trim(),
        activation_code: form.activation_code.value.trim(),
        new_password: form.new_password.value,
      }, { auth: false });
      toast(t("auth.resetDone"));
      go("login");
    } catch (err) {
      showError(error, errorMessage(err));
    } finally {
      busy(submit, false);
    }
  });
  mount(root, header(), form, h("p", { class: "links" }, h("a", { href: "#/login" }, t("auth.haveAccount"))));
}
