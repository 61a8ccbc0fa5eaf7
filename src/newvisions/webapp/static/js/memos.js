// The memo screen: a list that looks like a phone's voice-memo app. The new memo joins the
// earlier ones when it is ready; until then the list simply looks like the list.
import { ApiError, api, newIdempotencyKey } from "./api.js";
import { formatDuration, h, mount, toast } from "./dom.js";
import { errorMessage, shortDate, t } from "./i18n.js";

const store = { items: [], loaded: false, pending: null, newId: null, listeners: new Set() };

function changed() { store.listeners.forEach((cb) => cb()); }

function normalise(item) {
  const audio = item.audio || {};
  return {
    id: String(item.perform_id || item.id || audio.id || Math.random()),
    title: audio.title || item.title || "",
    date: audio.date || item.date || item.created || item.created_at || null,
    duration: Number(audio.duration_s ?? item.duration_s ?? NaN),
    url: audio.url || item.audio_url || null,
  };
}

export async function loadMemos() {
  try {
    const body = await api.get("/api/performs");
    const list = Array.isArray(body) ? body : body?.items || body?.performs || [];
    const local = new Map(store.items.map((m) => [m.id, m]));
    // Keep what only this page knows about a memo (when its perform started).
    const fresh = list.map(normalise).map((m) => (local.has(m.id) ? { ...m, started: local.get(m.id).started } : m));
    // A memo made in this page stays on top even if the list was fetched before it landed.
    const known = new Set(fresh.map((m) => m.id));
    store.items = [...store.items.filter((m) => m.id === store.newId && !known.has(m.id)), ...fresh];
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    store.items = store.items.filter((m) => m.id === store.newId); // no memo list on this server yet
  }
  store.loaded = true;
  changed();
}

function performFailure(err) {
  if (err instanceof ApiError && err.status === 404 && err.code === "not_found") {
    return t("error.missing_route", { what: "POST /api/perform" });
  }
  return errorMessage(err);
}

async function postPerform(routine, value, key) {
  const options = { headers: { "Idempotency-Key": key } };
  try {
    return await api.post("/api/perform", { routine, value }, options);
  } catch (err) {
    // A phone on a shaky network: the same key makes the retry safe (no double charge).
    if (err instanceof ApiError && err.status === 0) {
      await new Promise((r) => setTimeout(r, 800));
      return api.post("/api/perform", { routine, value }, options);
    }
    throw err;
  }
}

// Starts a perform; the caller shows the memo list at once.
export function perform(routine, value) {
  const started = performance.now();
  const attempt = { routine, started };
  store.pending = attempt;
  store.newId = null; // the memo on its way is the new one now
  document.body.dataset.performState = "pending";
  postPerform(routine, value, newIdempotencyKey())
    .then((result) => {
      const memo = normalise(result);
      memo.started = started;
      store.items = [memo, ...store.items.filter((m) => m.id !== memo.id)];
      store.newId = memo.id;
      document.body.dataset.performState = "done";
    })
    .catch((err) => {
      document.body.dataset.performState = "failed";
      document.body.dataset.performError = err.code || "error";
      // Small and faint: for the performer's eyes, not the audience's.
      toast(`${t("memos.failed")}: ${performFailure(err)}`, { discreet: true, ms: 9000 });
    })
    .finally(() => {
      if (store.pending === attempt) store.pending = null;
      changed();
    });
}

function memoRow(memo, isNew) {
  const row = h("li", { class: "memo", dataset: { memoId: memo.id, new: isNew ? "1" : "0" } });
  const summary = h("button", { type: "button", class: "memo-summary", "aria-expanded": "false" },
    h("span", { class: "memo-title" }, memo.title || t("settings.defaultTitle", { date: shortDate(memo.date) })),
    h("span", { class: "memo-meta" },
      h("span", { class: "memo-date" }, shortDate(memo.date)),
      h("span", { class: "memo-duration" }, formatDuration(memo.duration))));
  row.append(summary);
  let player = null;
  // The new memo loads at once, so it can play the moment it is tapped; older ones on demand.
  if (memo.url) player = buildPlayer(memo, row, isNew);
  summary.addEventListener("click", () => {
    const open = !row.classList.contains("open");
    row.parentElement?.querySelectorAll(".memo.open").forEach((other) => {
      if (other !== row) {
        other.classList.remove("open");
        other.querySelector(".memo-summary")?.setAttribute("aria-expanded", "false");
        other.querySelector("audio")?.pause();
      }
    });
    row.classList.toggle("open", open);
    summary.setAttribute("aria-expanded", String(open));
    if (!open) player?.audio.pause();
  });
  if (player) row.append(player.el);
  else row.append(h("div", { class: "memo-player" }, h("p", { class: "hint" }, t("memos.expired"))));
  return row;
}

function buildPlayer(memo, row, isNew) {
  const audio = h("audio", { preload: isNew ? "auto" : "none", src: memo.url });
  const scrubber = h("input", { type: "range", class: "scrubber", min: 0, max: 1, step: 0.01, value: 0, "aria-label": memo.title });
  const elapsed = h("span", { class: "elapsed" }, "0:00");
  const remaining = h("span", { class: "remaining" }, `-${formatDuration(memo.duration)}`);
  const play = h("button", { type: "button", class: "play", "aria-label": t("memos.play") });
  const duration = () => (Number.isFinite(audio.duration) ? audio.duration : memo.duration);
  const update = () => {
    const total = duration() || 0;
    scrubber.max = total || 1;
    if (!scrubber.matches(":active")) scrubber.value = audio.currentTime;
    scrubber.style.setProperty("--played", `${total ? (audio.currentTime / total) * 100 : 0}%`);
    elapsed.textContent = formatDuration(audio.currentTime);
    remaining.textContent = `-${formatDuration(Math.max(0, total - audio.currentTime))}`;
  };
  audio.addEventListener("loadedmetadata", update);
  audio.addEventListener("timeupdate", update);
  audio.addEventListener("canplay", () => {
    if (row.dataset.playable !== "1") {
      row.dataset.playable = "1";
      if (isNew && memo.started !== undefined && !document.body.dataset.lastPerformMs) {
        document.body.dataset.lastPerformMs = String(Math.round(performance.now() - memo.started));
      }
    }
  });
  audio.addEventListener("play", () => { play.classList.add("playing"); play.setAttribute("aria-label", t("memos.pause")); });
  audio.addEventListener("pause", () => { play.classList.remove("playing"); play.setAttribute("aria-label", t("memos.play")); });
  audio.addEventListener("ended", () => { row.dataset.ended = "1"; update(); });
  scrubber.addEventListener("input", () => { audio.currentTime = Number(scrubber.value); update(); });
  play.addEventListener("click", () => { if (audio.paused) audio.play().catch(() => {}); else audio.pause(); });
  const el = h("div", { class: "memo-player" }, audio, scrubber,
    h("div", { class: "times" }, elapsed, remaining),
    h("div", { class: "controls" }, play));
  return { el, audio };
}

export async function memosView(root, { go }) {
  const list = h("ul", { class: "memo-list" });
  const draw = () => {
    const rows = store.items.map((m) => memoRow(m, m.id === store.newId));
    // Keep the audio that is playing: redraw only when the set of memos changed.
    const ids = `${store.items.map((m) => m.id).join(",")}|${store.loaded}|${Boolean(store.pending)}`;
    if (list.dataset.ids === ids) return;
    list.dataset.ids = ids;
    list.replaceChildren(...rows);
    if (!rows.length && store.loaded && !store.pending) list.append(h("li", { class: "memo-empty" }, t("memos.empty")));
  };
  const back = h("button", { type: "button", class: "memo-back", "aria-label": t("memos.back") }, "‹");
  back.addEventListener("click", () => go("perform"));
  mount(root,
    h("header", { class: "memo-header" }, back, h("span", { class: "memo-edit" }, "")),
    h("h1", { class: "memo-heading" }, t("memos.all")),
    h("div", { class: "memo-search", "aria-hidden": "true" }, h("span", { class: "search-icon" }), t("memos.search")),
    list);
  const listener = () => { if (root.isConnected) draw(); else store.listeners.delete(listener); };
  store.listeners.add(listener);
  draw();
  if (!store.loaded) loadMemos().catch(() => { store.loaded = true; draw(); });
}

export function resetMemos() {
  store.items = [];
  store.loaded = false;
  store.newId = null;
}
