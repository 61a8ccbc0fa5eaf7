// The voice screen: record 30–60 s with the microphone (or upload a file), see the server's
// verdict in plain words, and whether a recording is stored (metadata only, never the audio).
import { ApiError, api } from "./api.js";
import { busy, formatDuration, h, mount, toast } from "./dom.js";
import { errorMessage, shortDate, t } from "./i18n.js";

const MIN_S = 30;
const MAX_S = 60;

function describe(recording) {
  if (!recording) return [t("voice.none")];
  const lines = [t("voice.have", { duration: formatDuration(recording.duration_s), date: shortDate(recording.uploaded_at) })];
  const status = recording.analysis?.status;
  if (status) lines.push(t(`voice.analysis.${status}`));
  return lines;
}

function missingRoute(err) {
  return err instanceof ApiError && err.status === 404 && err.code === "not_found";
}

async function fetchRecording() {
  try {
    return await api.get("/api/voice/recording");
  } catch (err) {
    if (err instanceof ApiError && err.code === "voice_recording_not_found") return null;
    throw err;
  }
}

function pickMime() {
  const options = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
  return options.find((m) => window.MediaRecorder && MediaRecorder.isTypeSupported(m)) || "";
}

export async function voiceView(root) {
  const status = h("div", { class: "card status", dataset: { recording: "unknown" } });
  const verdict = h("p", { class: "verdict", role: "status", hidden: true });
  const timer = h("div", { class: "timer", "aria-live": "off" }, `0:00 / ${formatDuration(MAX_S)}`);
  const meter = h("div", { class: "meter" }, h("div", { class: "meter-fill" }));
  const recordButton = h("button", { type: "button", class: "record" }, h("span", { class: "dot" }), t("voice.record"));
  const stopButton = h("button", { type: "button", class: "stop", disabled: true }, t("voice.stop"));
  const fileInput = h("input", { type: "file", accept: "audio/*,.m4a,.mp3,.wav,.webm,.ogg", class: "file" });
  const deleteButton = h("button", { type: "button", class: "danger small", hidden: true }, t("voice.delete"));
  let pollTimer = null;

  const setVerdict = (message, ok) => {
    verdict.textContent = message;
    verdict.className = ok ? "verdict ok" : "verdict bad";
    verdict.hidden = !message;
  };

  const showStatus = (recording) => {
    status.dataset.recording = recording ? "yes" : "no";
    status.dataset.analysis = recording?.analysis?.status || "";
    status.replaceChildren(...describe(recording).map((line) => h("p", {}, line)));
    deleteButton.hidden = !recording;
    clearTimeout(pollTimer);
    if (recording?.analysis?.status === "pending" && root.isConnected) {
      pollTimer = setTimeout(refreshStatus, 2000);
    }
  };

  async function refreshStatus() {
    try {
      showStatus(await fetchRecording());
    } catch (err) {
      status.dataset.recording = "error";
      status.replaceChildren(h("p", {}, missingRoute(err) ? t("error.missing_route", { what: "/api/voice/recording" }) : errorMessage(err)));
    }
  }

  async function upload(blob, filename) {
    setVerdict(t("voice.uploading"), true);
    const form = new FormData();
    form.append("file", blob, filename);
    busy(recordButton, true);
    try {
      const recording = await api.post("/api/voice/recording", undefined, { form });
      setVerdict(t("voice.accepted"), true);
      showStatus(recording && recording.duration_s !== undefined ? recording : await fetchRecording());
    } catch (err) {
      setVerdict(missingRoute(err) ? t("error.missing_route", { what: "POST /api/voice/recording" }) : errorMessage(err), false);
      verdict.dataset.code = err.code || "";
    } finally {
      busy(recordButton, false);
    }
  }

  let recorder = null;
  let ticker = null;
  let stream = null;

  const stopRecording = () => {
    if (recorder && recorder.state !== "inactive") recorder.stop();
    clearInterval(ticker);
    stopButton.disabled = true;
  };

  recordButton.addEventListener("click", async () => {
    setVerdict("", true);
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: true } });
    } catch {
      setVerdict(t("voice.noMic"), false);
      return;
    }
    const mimeType = pickMime();
    recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    const chunks = [];
    recorder.addEventListener("dataavailable", (e) => { if (e.data.size) chunks.push(e.data); });
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((track) => track.stop());
      root.classList.remove("recording");
      recordButton.disabled = false;
      const type = recorder.mimeType || mimeType || "audio/webm";
      const ext = type.includes("mp4") ? "m4a" : type.includes("ogg") ? "ogg" : "webm";
      upload(new Blob(chunks, { type }), `recording.${ext}`);
    });
    const begun = performance.now();
    recorder.start(1000);
    root.classList.add("recording");
    recordButton.disabled = true;
    ticker = setInterval(() => {
      const seconds = (performance.now() - begun) / 1000;
      timer.textContent = `${formatDuration(Math.floor(seconds))} / ${formatDuration(MAX_S)}`;
      meter.firstChild.style.width = `${Math.min(100, (seconds / MAX_S) * 100)}%`;
      meter.classList.toggle("enough", seconds >= MIN_S);
      stopButton.disabled = seconds < MIN_S;
      if (seconds >= MAX_S - 0.5) stopRecording(); // stay under the 60 s limit
    }, 250);
  });
  stopButton.addEventListener("click", stopRecording);

  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    if (file) upload(file, file.name);
    fileInput.value = "";
  });

  deleteButton.addEventListener("click", async () => {
    if (!confirm(t("voice.deleteConfirm"))) return;
    try {
      await api.del("/api/voice/recording");
      toast(t("voice.deleted"));
      showStatus(null);
    } catch (err) {
      toast(errorMessage(err));
    }
  });

  mount(root,
    h("header", { class: "bar" }, h("h1", {}, t("voice.title"))),
    status,
    h("section", { class: "card recorder" },
      h("p", { class: "hint" }, t("voice.readThis")),
      h("blockquote", { class: "script" }, t("voice.script")),
      timer, meter,
      h("div", { class: "row" }, recordButton, stopButton),
      h("small", { class: "hint" }, t("voice.stopHint")),
      verdict),
    h("section", { class: "card" }, h("label", { class: "field" }, h("span", { class: "field-label" }, t("voice.upload")), fileInput)),
    deleteButton);
  await refreshStatus();
}
