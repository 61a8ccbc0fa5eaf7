// Small DOM helpers. Text always goes in as text nodes: nothing from the server is parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key in el && typeof value !== "string") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function mount(root, ...children) {
  root.replaceChildren();
  append(root, children);
}

let toastTimer = null;

// A short message at the bottom of the screen; `discreet` makes it small and faint, for
// moments when an audience may be looking at the phone.
export function toast(message, { discreet = false, ms = 4000 } = {}) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.className = discreet ? "discreet" : "";
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, ms);
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "–:––";
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function field(label, input, hint) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), input,
    hint ? h("small", { class: "hint" }, hint) : null);
}

export function formError() {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

export function showError(el, message) {
  el.textContent = message || "";
  el.hidden = !message;
}

export function busy(button, on) {
  button.disabled = on;
  button.classList.toggle("busy", on);
}
