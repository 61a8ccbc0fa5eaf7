// Every setting with its range, saved to the API, and a preview of the memo's title and date.
import { api } from "./api.js";
import { busy, field, formError, formatDuration, h, mount, showError, toast } from "./dom.js";
import { errorMessage, shortDate, t } from "./i18n.js";
import { applySettings, go } from "./app.js";
import { defaultMemoTitle } from "./memo_titles.js";

const LANGUAGES = ["en", "es", "fr", "de", "it", "pt"];

function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function slider(name, value) {
  const output = h("output", { for: name }, String(value));
  const input = h("input", { type: "range", name, min: 0, max: 100, step: 1, value });
  input.addEventListener("input", () => { output.textContent = input.value; });
  return h("div", { class: "slider" }, input, output);
}

export async function settingsView(root, { state }) {
  const settings = state.settings || await api.get("/api/users/me/settings");
  const error = formError();
  const save = h("button", { type: "submit", class: "primary" }, t("settings.save"));
  const language = h("select", { name: "voice_language" },
    LANGUAGES.map((code) => h("option", { value: code, selected: settings.voice_language === code }, `${t(`lang.${code}`)} (${code})`)));
  const sex = h("div", { class: "segmented", role: "radiogroup" }, ["female", "male"].map((value) =>
    h("label", {}, h("input", { type: "radio", name: "speaker_sex", value, checked: settings.speaker_sex === value }), t(`settings.${value}`))));
  const background = h("input", { type: "checkbox", name: "background_sound", checked: settings.background_sound, class: "switch" });
  const volume = slider("background_volume", settings.background_volume);
  const title = h("input", { type: "text", name: "voice_note_name", maxlength: 50, value: settings.voice_note_name || "", autocomplete: "off" });
  const date = h("input", { type: "date", name: "voice_note_date", value: settings.voice_note_date || "" });
  const preview = h("div", { class: "memo-preview" });

  const drawPreview = () => {
    const day = date.value || todayIso();
    // The server's rule: without a title of its own, a memo is named after its date, in the
    // memo's language.
    const shownTitle = title.value.trim() || defaultMemoTitle(day, language.value);
    preview.replaceChildren(
      h("span", { class: "memo-title" }, shownTitle),
      h("span", { class: "memo-meta" }, h("span", { class: "memo-date" }, shortDate(day)), h("span", { class: "memo-duration" }, formatDuration(7))));
  };
  const toggleVolume = () => { volume.querySelector("input").disabled = !background.checked; };
  [language, title, date].forEach((el) => el.addEventListener("input", drawPreview));
  background.addEventListener("change", toggleVolume);
  drawPreview();
  toggleVolume();

  const form = h("form", { class: "card settings", "data-form": "settings" },
    field(t("settings.voice_language"), language),
    h("div", { class: "field" }, h("span", { class: "field-label" }, t("settings.speaker_sex")), sex),
    field(t("settings.voice_stability"), slider("voice_stability", settings.voice_stability), t("settings.voice_stability.hint")),
    field(t("settings.voice_similarity"), slider("voice_similarity", settings.voice_similarity), t("settings.voice_similarity.hint")),
    h("label", { class: "field toggle" }, background, h("span", {}, t("settings.background_sound"))),
    field(t("settings.background_volume"), volume, t("settings.background_volume.hint")),
    field(t("settings.voice_note_name"), title, t("settings.voice_note_name.hint")),
    field(t("settings.voice_note_date"), date, t("settings.voice_note_date.hint")),
    h("div", { class: "field" }, h("span", { class: "field-label" }, t("settings.preview")), preview),
    error, save);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(error, "");
    busy(save, true);
    const payload = {
      voice_language: language.value,
      speaker_sex: form.querySelector("input[name=speaker_sex]:checked")?.value || settings.speaker_sex,
      voice_stability: Number(form.voice_stability.value),
      voice_similarity: Number(form.voice_similarity.value),
      background_sound: background.checked,
      background_volume: Number(form.background_volume.value),
      voice_note_name: title.value.trim() || null,
      voice_note_date: date.value || null,
    };
    try {
      const saved = await api.put("/api/users/me/settings", payload);
      const languageChanged = saved.voice_language !== state.settings?.voice_language;
      applySettings(saved);
      toast(t("settings.saved"));
      form.dataset.saved = "1";
      if (languageChanged) go("settings"); // redraw in the new interface language
    } catch (err) {
      showError(error, errorMessage(err));
    } finally {
      busy(save, false);
    }
  });
  mount(root, h("header", { class: "bar" }, h("h1", {}, t("settings.title"))), form);
}
