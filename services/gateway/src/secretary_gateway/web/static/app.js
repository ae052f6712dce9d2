// The review page: recordings, and one recording read while it plays. Every call goes to the
// REST API with the key kept in this tab's session storage; nothing is built from HTML strings.
"use strict";

const KEY = "secretary.key";
const LANGUAGE = "secretary.language";

const TEXTS = {
  en: {
    signIn: "Sign in", apiKey: "API key", signOut: "Sign out", badKey: "This key is not valid.",
    signOutEverywhere: "Sign out everywhere", signedInAs: "Signed in as",
    switchTitle: "Switch account?", switchTo: "Switch to", stayAs: "Stay signed in as",
    switchText: "This tab is signed in as {current}. The link you opened signs in as {next}:"
      + " what you upload from then on goes to that account.",
    keyHint: "An API key from `secretary keys create --owner NAME` (kept in this tab only).",
    recordings: "Recordings", title: "Title", status: "Status", duration: "Duration",
    speakers: "Speakers", created: "Uploaded", none: "No recordings yet.",
    drop: "Drop a recording here, or choose a file", uploading: "Uploading",
    uploaded: "Uploaded", uploadFailed: "Upload failed",
    back: "All recordings", summary: "Summary", decisions: "Decisions", actions: "Action items",
    notReady: "Not ready yet.", questions: "Questions", ask: "Ask", askHint: "Ask about this meeting",
    thinking: "Thinking…", notFound: "Not found in the recording.", exports: "Downloads",
    delete: "Delete recording", confirmDelete: "Delete this recording and everything made from it?",
    rename: "Name for", saved: "Saved", stale: "Someone changed this transcript; it was reloaded.",
    addTerms: "Add to vocabulary", termsAdded: "Added to vocabulary", edit: "Edit",
    low_confidence: "unsure", repetition: "repeated", failed: "Failed", processing: "processing",
    queued: "queued", done: "done", keys: "Space: play or pause · ←/→: 5 s",
    noAudio: "The audio is not available.",
  },
  ru: {
    signIn: "Войти", apiKey: "API-ключ", signOut: "Выйти", badKey: "Этот ключ не подходит.",
    signOutEverywhere: "Выйти на всех устройствах", signedInAs: "Вы вошли как",
    switchTitle: "Сменить учётную запись?", switchTo: "Перейти в", stayAs: "Остаться в",
    switchText: "В этой вкладке вы вошли как {current}. Открытая ссылка входит как {next}:"
      + " всё, что вы загрузите после этого, попадёт в ту учётную запись.",
    keyHint: "API-ключ из `secretary keys create --owner NAME` (хранится только в этой вкладке).",
    recordings: "Записи", title: "Название", status: "Статус", duration: "Длительность",
    speakers: "Говорящие", created: "Загружено", none: "Записей пока нет.",
    drop: "Перетащите запись сюда или выберите файл", uploading: "Загрузка",
    uploaded: "Загружено", uploadFailed: "Загрузка не удалась",
    back: "Все записи", summary: "Итоги", decisions: "Решения", actions: "Задачи",
    notReady: "Ещё не готово.", questions: "Вопросы", ask: "Спросить", askHint: "Вопрос о встрече",
    thinking: "Думаю…", notFound: "В записи этого нет.", exports: "Скачать",
    delete: "Удалить запись", confirmDelete: "Удалить запись и всё, что из неё сделано?",
    rename: "Имя для", saved: "Сохранено", stale: "Расшифровку изменили; она перезагружена.",
    addTerms: "Добавить в словарь", termsAdded: "Добавлено в словарь", edit: "Править",
    low_confidence: "неуверенно", repetition: "повтор", failed: "Ошибка", processing: "в работе",
    queued: "в очереди", done: "готово", keys: "Пробел: пауза · ←/→: 5 с",
    noAudio: "Аудио недоступно.",
  },
};

let language = localStorage.getItem(LANGUAGE) ||
  ((navigator.language || "en").toLowerCase().startsWith("ru") ? "ru" : "en");
const t = (key) => TEXTS[language][key] || TEXTS.en[key] || key;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${two(mm)}:${two(ss)}`;
}

function notify(message, ...actions) {
  const box = document.getElementById("notice");
  box.replaceChildren(message, ...actions);
  box.hidden = false;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => { box.hidden = true; }, actions.length ? 12000 : 4000);
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error && body.error.code;
  }
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY) || ""}`, ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  const response = await fetch(path, { method: options.method || "GET", headers, body });
  if (response.status === 401 && !options.signingIn) {
    forget();
    throw new ApiError(401, null);
  }
  if (!response.ok) {
    throw new ApiError(response.status, await response.json().catch(() => null));
  }
  return response;
}
const getJson = async (path, options) => (await api(path, options)).json();

// Server-Sent Events over fetch, since EventSource cannot send the key.
async function follow(path, onEvent, signal) {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY)}` }, signal,
  });
  if (!response.ok || !response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    // lines may end in \r\n, \r or \n; a \r last in a chunk waits for what follows it
    const whole = buffer.endsWith("\r") ? buffer.slice(0, -1) : buffer;
    buffer = whole.replace(/\r\n?/g, "\n") + buffer.slice(whole.length);
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (data) onEvent(event, JSON.parse(data));
    }
  }
}

// Whom the key or session in this tab acts for; null when there is none or it has ended.
async function currentOwner() {
  if (!sessionStorage.getItem(KEY)) return null;
  try {
    return (await getJson("/v1/sessions/current", { signingIn: true })).owner;
  } catch {
    return null;
  }
}

// The owner a sign-in link is for, read from its claims (the server checks the signature).
function linkOwner(link) {
  try {
    const claims = link.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(claims)).o || null;
  } catch {
    return null;
  }
}

// A link someone else sent must not silently move this tab into their account (whatever is
// uploaded afterwards would be theirs): the person signed in chooses.
function confirmSwitch(current, next) {
  return new Promise((resolve) => {
    const choose = (answer) => () => { card.remove(); resolve(answer); };
    const card = el("section", { class: "card sign-in", id: "switch-account", role: "alertdialog" },
      el("h1", {}, t("switchTitle")),
      el("p", {}, t("switchText").replace("{current}", current).replace("{next}", next || "?")),
      el("button", { class: "primary", type: "button", id: "keep-account", onclick: choose(false) },
        `${t("stayAs")} ${current}`),
      " ",
      el("button", { type: "button", id: "switch-to-link", onclick: choose(true) },
        `${t("switchTo")} ${next || "?"}`));
    document.getElementById("app").replaceChildren(card);
  });
}

// A one-time link from Telegram's /web: `#sign-in=<token>` (a fragment, which no server sees)
// becomes a web session, kept like a key; the link leaves the address bar at once.
async function signInWithLink() {
  const link = new URLSearchParams(location.hash.slice(1)).get("sign-in");
  if (!link) return;
  history.replaceState(null, "", location.pathname);
  const current = await currentOwner();
  const next = linkOwner(link);
  if (current && current !== next && !(await confirmSwitch(current, next))) return;
  const response = await fetch("/v1/sign-in", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ link }),
  });
  const body = await response.json().catch(() => null);
  if (response.ok) sessionStorage.setItem(KEY, body.key);
  else notify((body && body.error && body.error.message) || t("badKey"));
}

function forget() {
  sessionStorage.removeItem(KEY);
  route();
}

// A web session is ended on the server too, so that its token is worth nothing afterwards.
async function signOut(everywhere = false) {
  const key = sessionStorage.getItem(KEY) || "";
  if (everywhere || key.startsWith("web.")) {
    await fetch(everywhere ? "/v1/sessions" : "/v1/sessions/current", {
      method: "DELETE", headers: { Authorization: `Bearer ${key}` },
    }).catch(() => null);
  }
  forget();
}

function showSignIn() {
  const input = el("input", { id: "api-key", type: "password", autocomplete: "off", required: true });
  const problem = el("p", { class: "error", id: "sign-in-error" });
  const form = el("form", { class: "card sign-in", id: "sign-in-form" },
    el("h1", {}, t("signIn")),
    el("label", { for: "api-key" }, t("apiKey")), input,
    el("p", { class: "hint" }, t("keyHint")), problem,
    el("button", { class: "primary", type: "submit", id: "sign-in" }, t("signIn")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, input.value.trim());
    try {
      await api("/v1/recordings?limit=1", { signingIn: true });
      route();
    } catch (error) {
      sessionStorage.removeItem(KEY);
      problem.textContent = error.status === 401 ? t("badKey") : error.message;
    }
  });
  return form;
}

// --- the list ------------------------------------------------------------------------------

function statusText(recording) {
  if (recording.status === "processing" || recording.status === "queued") {
    return `${t(recording.status)} ${Math.round(100 * recording.progress)} %`;
  }
  return recording.status === "failed" ? `${t("failed")}: ${recording.error ? recording.error.message : ""}` : t(recording.status);
}

function recordingRow(recording) {
  const row = el("tr", { class: "recording", dataset: { id: recording.id } },
    el("td", {}, el("a", { href: `/recordings/${recording.id}` }, recording.title || recording.filename)),
    el("td", { class: `status status-${recording.status}` }, statusText(recording)),
    el("td", {}, recording.duration_s ? clock(recording.duration_s) : "–"),
    el("td", {}, recording.speaker_count ?? "–"),
    el("td", {}, new Date(recording.created_at).toLocaleString(language)));
  return row;
}

function watchProgress(row, id, signal) {
  follow(`/v1/recordings/${id}/events`, (_, recording) => {
    row.replaceWith((row = recordingRow(recording)));
  }, signal).catch(() => {});
}

function uploader(onUploaded) {
  const input = el("input", { type: "file", id: "file", accept: "audio/*,video/*" });
  const bar = el("progress", { id: "upload-progress", max: 1, value: 0, hidden: true });
  const zone = el("label", { class: "drop", id: "upload", for: "file" }, t("drop"), input, bar);
  const send = (file) => {
    const form = new FormData();
    form.append("file", file);
    form.append("title", file.name.replace(/\.[^.]+$/, ""));
    const request = new XMLHttpRequest();
    request.open("POST", "/v1/recordings");
    request.setRequestHeader("Authorization", `Bearer ${sessionStorage.getItem(KEY)}`);
    bar.hidden = false;
    request.upload.onprogress = (event) => { if (event.lengthComputable) bar.value = event.loaded / event.total; };
    request.onload = () => {
      bar.hidden = true;
      if (request.status < 300) { notify(`${t("uploaded")}: ${file.name}`); onUploaded(); }
      else notify(`${t("uploadFailed")}: ${JSON.parse(request.responseText || "{}").error?.message || request.status}`);
    };
    request.onerror = () => { bar.hidden = true; notify(t("uploadFailed")); };
    request.send(form);
  };
  input.addEventListener("change", () => { if (input.files[0]) send(input.files[0]); });
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files[0]) send(event.dataTransfer.files[0]);
  });
  return zone;
}

async function showList(app, signal) {
  const body = el("tbody", { id: "recordings" });
  const table = el("table", {},
    el("thead", {}, el("tr", {}, ["title", "status", "duration", "speakers", "created"].map((k) => el("th", {}, t(k))))),
    body);
  const load = async () => {
    const page = await getJson("/v1/recordings?limit=100");
    body.replaceChildren();
    if (!page.items.length) body.append(el("tr", {}, el("td", { colspan: 5 }, t("none"))));
    for (const recording of page.items) {
      const row = recordingRow(recording);
      body.append(row);
      if (recording.status === "queued" || recording.status === "processing") watchProgress(row, recording.id, signal);
    }
  };
  app.replaceChildren(el("section", { class: "card" }, uploader(load)),
    el("section", { class: "card" }, el("h1", {}, t("recordings")), table));
  await load();
}

// --- one recording ---------------------------------------------------------------------------

class RecordingPage {
  constructor(app, id) {
    this.app = app;
    this.id = id;
    this.base = `/v1/recordings/${id}`;
    this.words = [];
    this.current = null;
  }

  async show() {
    const recording = await getJson(this.base);
    this.recording = recording;
    this.audio = el("audio", { id: "player", controls: true, preload: "metadata" });
    this.transcriptBox = el("section", { class: "card transcript", id: "transcript" });
    this.summaryBox = el("section", { class: "card", id: "summary" });
    this.questionsBox = el("section", { class: "card", id: "questions" });
    const side = el("aside", { class: "side" }, this.summaryBox, this.questionsBox,
      this.exportsCard(), el("section", { class: "card" },
        el("button", { class: "danger", id: "delete", onclick: () => this.remove() }, t("delete"))));
    this.app.replaceChildren(
      el("p", {}, el("a", { href: "/" }, `← ${t("back")}`)),
      el("section", { class: "card player" },
        el("h1", { id: "recording-title" }, recording.title || recording.filename),
        this.audio, el("p", { class: "hint" }, t("keys"))),
      el("div", { class: "layout" }, this.transcriptBox, side));
    this.audio.addEventListener("timeupdate", () => this.highlight());
    this.audio.addEventListener("seeked", () => this.highlight());
    await Promise.all([this.loadAudio(), this.loadTranscript(), this.loadSummary()]);
    this.showQuestions();
  }

  async loadAudio() {
    try {
      const link = await getJson(`${this.base}/audio/link`, { method: "POST" });
      this.audio.src = link.url;
    } catch {
      this.audio.replaceWith(el("p", { class: "error" }, t("noAudio")));
    }
  }

  async loadTranscript() {
    try {
      const [transcript, speakers] = await Promise.all([
        getJson(`${this.base}/transcript`), getJson(`${this.base}/speakers`)]);
      this.render(transcript, speakers);
    } catch (error) {
      this.transcriptBox.replaceChildren(el("p", {}, error.status === 409 ? statusText(this.recording) : error.message));
    }
  }

  render(transcript, speakers) {
    this.transcript = transcript;
    this.names = Object.fromEntries(speakers.speakers.map((s) => [s.id, s.name]));
    this.words = [];
    const segments = transcript.segments.map((segment, index) => this.segment(segment, index));
    this.transcriptBox.replaceChildren(...segments);
    this.current = null;
    this.highlight();
  }

  segment(segment, index) {
    const text = el("p", { class: "text" });
    segment.words.forEach((word, position) => {
      if (position && !word.attached) text.append(" ");
      const span = el("span", {
        class: "word", dataset: { start: word.start, end: word.end, segment: index, word: position },
        onclick: () => this.play(word.start),
        ondblclick: (event) => { event.preventDefault(); this.editWord(span, index, position); },
      }, word.word);
      text.append(span);
      this.words.push(span);
    });
    const label = segment.speaker;
    const speaker = label ? el("button", {
      class: "speaker", type: "button", dataset: { speaker: label }, title: `${t("rename")} ${label}`,
      onclick: (event) => this.renameSpeaker(event.currentTarget, label),
    }, this.names[label] || label) : null;
    const flags = segment.flags.map((flag) => el("span", { class: `flag flag-${flag}`, title: flag }, t(flag)));
    return el("div", { class: `segment${segment.flags.length ? " flagged" : ""}`, dataset: { segment: index } },
      el("div", { class: "meta" },
        el("a", { class: "at", href: "#", onclick: (event) => { event.preventDefault(); this.play(segment.start); } },
          `[${clock(segment.start)}]`),
        speaker, ...flags,
        el("button", { class: "quiet edit-passage", type: "button", title: t("edit"),
          onclick: () => this.editPassage(text, index) }, "✎")),
      text);
  }

  play(at) {
    if (!this.audio.isConnected) return;
    this.audio.currentTime = at;
    this.audio.play().catch(() => {});
  }

  highlight() {
    const now = this.audio.currentTime;
    let low = 0, high = this.words.length - 1, found = null;
    while (low <= high) {  // the last word that started by now
      const middle = (low + high) >> 1;
      if (Number(this.words[middle].dataset.start) <= now) { found = this.words[middle]; low = middle + 1; }
      else high = middle - 1;
    }
    if (found && now > Number(found.dataset.end) + 0.5) found = null;
    if (found === this.current) return;
    this.current?.classList.remove("current");
    this.current = found;
    if (found) {
      found.classList.add("current");
      if (!this.audio.paused) found.scrollIntoView({ block: "nearest" });
    }
  }

  async save(edits) {
    try {
      const edited = await getJson(`${this.base}/transcript`, {
        method: "PATCH", json: { revision: this.transcript.revision, edits },
      });
      const speakers = await getJson(`${this.base}/speakers`);
      this.render(edited, speakers);
      if (edited.suggested_terms && edited.suggested_terms.length) this.offerTerms(edited.suggested_terms);
      else notify(t("saved"));
    } catch (error) {
      if (error.code === "stale_revision") { notify(t("stale")); await this.loadTranscript(); }
      else notify(error.message);
    }
  }

  offerTerms(terms) {
    const add = el("button", { id: "add-terms", onclick: async () => {
      const current = await getJson("/v1/vocabulary");
      await getJson("/v1/vocabulary", { method: "PUT", json: { terms: [...current.terms, ...terms] } });
      notify(`${t("termsAdded")}: ${terms.join(", ")}`);
    } }, t("addTerms"));
    notify(`${t("saved")}. ${terms.join(", ")}?`, add);
  }

  inlineInput(target, value, multiline, onDone) {
    const input = multiline
      ? el("textarea", { class: "passage-edit" }, value)
      : el("input", { class: "word-edit", value, size: Math.max(4, value.length + 2) });
    let finished = false;
    const finish = (keep) => {
      if (finished) return;
      finished = true;
      input.replaceWith(target);
      if (keep && input.value.trim() !== value) onDone(input.value.trim());
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); finish(true); }
      if (event.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(true));
    target.replaceWith(input);
    input.focus();
    input.select();
  }

  editWord(span, segment, word) {
    this.inlineInput(span, span.textContent, false, (text) =>
      this.save([{ op: "replace", segment, first_word: word, last_word: word, text }]));
  }

  editPassage(paragraph, segment) {
    const last = this.transcript.segments[segment].words.length - 1;
    this.inlineInput(paragraph, paragraph.textContent, true, (text) =>
      this.save([{ op: "replace", segment, first_word: 0, last_word: last, text }]));
  }

  renameSpeaker(button, label) {
    this.inlineInput(button, button.textContent, false, async (name) => {
      try {
        await getJson(`${this.base}/speakers`, { method: "PATCH", json: { [label]: name } });
        await this.loadTranscript();
        notify(t("saved"));
      } catch (error) { notify(error.message); }
    });
  }

  async loadSummary() {
    const box = this.summaryBox;
    box.replaceChildren(el("h2", {}, t("summary")));
    try {
      const summary = await getJson(`${this.base}/summary`);
      box.append(el("p", { id: "summary-text" }, summary.summary));
      if (summary.decisions.length) {
        box.append(el("h2", {}, t("decisions")), el("ul", {}, summary.decisions.map((d) => el("li", {}, d))));
      }
      if (summary.action_items.length) {
        box.append(el("h2", {}, t("actions")), el("ul", {}, summary.action_items.map((item) =>
          el("li", {}, [item.who, item.what, item.when].filter(Boolean).join(" — ")))));
      }
    } catch (error) {
      // none will come (no language model, or it could not be reached): the server says why
      const final = error instanceof ApiError && error.status === 409 && error.code !== "summary_not_ready";
      box.append(final
        ? el("p", { class: "hint", id: "summary-unavailable" }, error.message)
        : el("p", { class: "hint" }, t("notReady")));
    }
  }

  showQuestions() {
    const input = el("input", { id: "question", placeholder: t("askHint"), maxlength: 2000, required: true });
    const answers = el("div", { id: "answers" });
    const form = el("form", { class: "ask" }, input, el("button", { class: "primary", type: "submit", id: "ask" }, t("ask")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const question = input.value.trim();
      if (!question) return;
      input.value = "";
      const entry = el("div", { class: "qa" }, el("p", {}, el("strong", {}, question)), el("p", { class: "answer" }, t("thinking")));
      answers.prepend(entry);
      try {
        let asked = await getJson(`${this.base}/questions`, { method: "POST", json: { question, wait_s: 30 } });
        while (asked.status === "pending") {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          asked = await getJson(`${this.base}/questions/${asked.id}`);
        }
        entry.replaceChildren(entry.firstChild, this.answer(asked));
      } catch (error) {
        entry.lastChild.textContent = error.message;
      }
    });
    this.questionsBox.replaceChildren(el("h2", {}, t("questions")), form, answers);
  }

  answer(asked) {
    if (asked.status === "failed") return el("p", { class: "answer error" }, asked.error ? asked.error.message : t("failed"));
    const citations = asked.citations.map((citation) => el("a", {
      class: "citation", href: "#", dataset: { start: citation.start },
      onclick: (event) => { event.preventDefault(); this.play(citation.start); },
    }, `[${clock(citation.start)}] ${citation.speaker}`));
    return el("div", {}, el("p", { class: "answer" }, asked.answer || t("notFound")), el("p", {}, citations));
  }

  exportsCard() {
    const download = async (format) => {
      const response = await api(`${this.base}/transcript?format=${format}`);
      const url = URL.createObjectURL(await response.blob());
      const name = (this.recording.title || this.recording.id).replace(/[^\p{L}\p{N} _-]/gu, "_");
      const link = el("a", { href: url, download: `${name}.${format}` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    };
    return el("section", { class: "card exports" }, el("h2", {}, t("exports")),
      ["txt", "srt", "vtt", "md", "docx"].map((format) =>
        el("button", { type: "button", dataset: { format }, onclick: () => download(format).catch((e) => notify(e.message)) },
          format.toUpperCase())));
  }

  async remove() {
    if (!confirm(t("confirmDelete"))) return;
    try {
      await api(this.base, { method: "DELETE" });
      history.pushState(null, "", "/");
      route();
    } catch (error) { notify(error.message); }
  }
}

// --- keyboard, language, routing -----------------------------------------------------------

document.addEventListener("keydown", (event) => {
  const player = document.getElementById("player");
  const typing = event.target.closest("input, textarea, [contenteditable]");
  if (!player || typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === " ") {
    event.preventDefault();
    if (player.paused) player.play().catch(() => {}); else player.pause();
  } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
    event.preventDefault();
    player.currentTime = Math.max(0, player.currentTime + (event.key === "ArrowRight" ? 5 : -5));
  }
});

let leaving = null;

async function route() {
  leaving?.abort();
  leaving = new AbortController();
  document.documentElement.lang = language;
  const switcher = document.getElementById("language");
  switcher.textContent = language === "ru" ? "English" : "Русский";
  const out = document.getElementById("sign-out");
  out.textContent = t("signOut");
  const everywhere = document.getElementById("sign-out-everywhere");
  everywhere.textContent = t("signOutEverywhere");
  const who = document.getElementById("who");
  const app = document.getElementById("app");
  const signedIn = Boolean(sessionStorage.getItem(KEY));
  out.hidden = everywhere.hidden = who.hidden = !signedIn;
  if (!signedIn) { app.replaceChildren(showSignIn()); return; }
  currentOwner().then((owner) => { who.textContent = owner ? `${t("signedInAs")} ${owner}` : ""; });
  const match = location.pathname.match(/^\/recordings\/([^/]+)$/);
  try {
    if (match) await new RecordingPage(app, decodeURIComponent(match[1])).show();
    else await showList(app, leaving.signal);
  } catch (error) {
    if (error.status !== 401) app.replaceChildren(el("p", { class: "error" }, error.message));
  }
}

document.getElementById("language").addEventListener("click", () => {
  language = language === "ru" ? "en" : "ru";
  localStorage.setItem(LANGUAGE, language);
  route();
});
document.getElementById("sign-out").addEventListener("click", () => signOut());
document.getElementById("sign-out-everywhere").addEventListener("click", () => signOut(true));
window.addEventListener("popstate", route);
// a link opened in a tab that shows the page already only changes the fragment
window.addEventListener("hashchange", () => signInWithLink().finally(route));
signInWithLink().finally(route);
