"""What the bot says, in English and Russian (by the user's Telegram language)."""

from __future__ import annotations

from typing import Any

from pyrogram import enums, types
from secretary_contracts import Summary

# Everything the bot sends is plain text: names, file names and the model's answers are data,
# so no markup is parsed and no link is previewed (fetched by Telegram) or made clickable.
PLAIN_CAPTION: dict[str, Any] = {"parse_mode": enums.ParseMode.DISABLED}
PLAIN: dict[str, Any] = {
    **PLAIN_CAPTION,
    "link_preview_options": types.LinkPreviewOptions(is_disabled=True),
}

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "start": (
            "Hi! Send me a recording of a call or a meeting (audio, voice note, video, round "
            "video or a media file up to {limit}) and I will return a transcript with who "
            "said what.\n\n/help lists what else I can do."
        ),
        "help": (
            "Send a recording: I transcribe it and tell the speakers apart.\n"
            "Then write a question about it, or reply to its message with one.\n\n"
            "/list — my recordings\n/get <id> — the transcript again\n"
            "/delete <id> — delete a recording and everything made from it\n"
            "/speakers <id> SPEAKER_00 Maria — name a speaker\n"
            "/people — the people I recognise by voice\n"
            "/web — open my recordings in the browser, to read while listening\n"
            "/lang <code|auto> — the language of the next recording\n/ask <question>"
        ),
        "not_allowed": (
            "Sorry, this bot is private. Ask its admin to add your Telegram id {user_id} to"
            " SECRETARY_TELEGRAM_ALLOWED_USERS."
        ),
        "unsupported": (
            "I can only transcribe audio and video: send an audio file, a voice note, a video, "
            "a round video or a document with an audio or video file."
        ),
        "too_large": "This file is {size}; the limit is {limit}.",
        "status_download": "⬇️ Downloading {percent}%",
        "status_queued": "⏳ Queued",
        "status_prepare": "🎛 Preparing the audio",
        "status_work": "📝 Transcribing {asr}% · 👥 Speakers {diarize}%",
        "status_merge": "🧩 Putting it together",
        "status_so_far": "📄 The first {minutes} min are ready: /get {recording_id}",
        "caption_so_far": "So far: the first {minutes} min (speaker labels may still change)",
        "status_done": "✅ Done",
        "status_failed": "❌ Failed",
        "failed": "❌ {message} (code: {code})",
        "duplicate": "I already have this recording ({recording_id}); status: {status}.",
        "caption": "{speakers} speaker(s) · language: {spoken} · {duration}",
        "no_recordings": "You have no recordings yet.",
        "web_link": (
            "Open your recordings in the browser: {url}\n"
            "The link signs you in once and only for the next few minutes; do not share it."
        ),
        "list_line": "{recording_id} · {name} · {status}",
        "unknown_recording": "I know no recording {recording_id} of yours.",
        "deleted": "Deleted {recording_id}: its media, audio and transcript are gone.",
        "lang_set": "Your recordings will be transcribed as '{code}' unless you say otherwise"
        " (/lang auto to detect).",
        "lang_auto": "The language of your recordings will be detected.",
        "lang_unknown": "'{code}' is not a language the speech model knows; try e.g. /lang ru.",
        "no_speech": "Nobody speaks in this recording, so there is no transcript.",
        "speakers_usage": "Usage: /speakers <id> SPEAKER_00 Maria",
        "speaker_named": "{speaker} is now called {name} in {recording_id}.",
        "question_stored": "🤔 Looking for the answer in {recording_id}…",
        "no_recording_for_question": "Send a recording first, then ask about it.",
        "usage_get": "Usage: /get <id> (see /list)",
        "usage_delete": "Usage: /delete <id> (see /list)",
        "not_ready": "{recording_id} is not ready yet: {status}.",
        "download_failed": "The download from Telegram broke off; please send the file again.",
        "refused": "⚠️ {message}",
        "unavailable": "The service is restarting or busy; please try again in a minute.",
        "answer_failed": "❌ No answer: {message} (code: {code})",
        "no_summary": "ℹ️ No summary: {message} (code: {code})",
        "no_summary_llm_off": "ℹ️ No summary: this server has no language model configured, so"
        " summaries and questions are off.",
        "sources": "Sources:",
        "draft": "✍️ a draft, being checked against the recording…",
        "partly_supported": (
            "⚠️ Partly supported: {count} sentence(s) above cite nothing in the recording."
        ),
        "who_is_this": (
            "🎙 Who is {speaker}? Reply to this message with their name, and I will recognise"
            " their voice in your next recordings."
        ),
        "is_this": '🎙 Is this {name} ({speaker})? Reply "yes", or with the right name.',
        "enrolled": "Got it: {speaker} is {name}. I will recognise this voice from now on.",
        "people_none": (
            "I recognise no one yet. Name a speaker (reply to a voice clip, or /speakers) and I"
            " will know their voice in your next recordings."
        ),
        "people_line": "{number}. {name} · {recordings} recording(s) · {speech} of speech",
        "people_help": (
            "/people rename <n> <new name> · /people merge <n> <into n> · /people forget <n>"
        ),
        "people_unknown": "There is no person {number}; see /people.",
        "person_renamed": "{old} is now {name}, in every transcript.",
        "people_merged": "{name} and {into} are one person now: {into}.",
        "person_forgotten": (
            "{name}'s voiceprint is deleted: I will not recognise them any more. Transcripts"
            " keep the name as plain text."
        ),
    },
    "ru": {
        "start": (
            "Привет! Пришлите запись звонка или встречи (аудио, голосовое, видео, кружок или "
            "медиафайл до {limit}), и я верну расшифровку с тем, кто что сказал.\n\n"
            "/help — что ещё я умею."
        ),
        "help": (
            "Пришлите запись: я расшифрую её и различу говорящих.\n"
            "Потом задайте вопрос о ней или ответьте на её сообщение вопросом.\n\n"
            "/list — мои записи\n/get <id> — расшифровка ещё раз\n"
            "/delete <id> — удалить запись и всё, что из неё сделано\n"
            "/speakers <id> SPEAKER_00 Мария — назвать говорящего\n"
            "/people — кого я узнаю по голосу\n"
            "/web — мои записи в браузере: читать и слушать\n"
            "/lang <код|auto> — язык следующей записи\n/ask <вопрос>"
        ),
        "not_allowed": (
            "Извините, это закрытый бот. Попросите администратора добавить ваш Telegram id"
            " {user_id} в SECRETARY_TELEGRAM_ALLOWED_USERS."
        ),
        "unsupported": (
            "Я расшифровываю только аудио и видео: пришлите аудиофайл, голосовое, видео, "
            "кружок или документ с аудио- или видеофайлом."
        ),
        "too_large": "Файл весит {size}; предел — {limit}.",
        "status_download": "⬇️ Загрузка {percent}%",
        "status_queued": "⏳ В очереди",
        "status_prepare": "🎛 Подготовка звука",
        "status_work": "📝 Расшифровка {asr}% · 👥 Говорящие {diarize}%",
        "status_merge": "🧩 Сборка",
        "status_so_far": "📄 Готовы первые {minutes} мин: /get {recording_id}",
        "caption_so_far": "Пока: первые {minutes} мин (метки говорящих ещё могут измениться)",
        "status_done": "✅ Готово",
        "status_failed": "❌ Ошибка",
        "failed": "❌ {message} (код: {code})",
        "duplicate": "Эта запись у меня уже есть ({recording_id}); статус: {status}.",
        "caption": "Говорящих: {speakers} · язык: {spoken} · {duration}",
        "no_recordings": "У вас пока нет записей.",
        "web_link": (
            "Ваши записи в браузере: {url}\n"
            "Ссылка входит один раз и только в ближайшие минуты; не пересылайте её."
        ),
        "list_line": "{recording_id} · {name} · {status}",
        "unknown_recording": "У вас нет записи {recording_id}.",
        "deleted": "Запись {recording_id} удалена вместе с медиа, звуком и расшифровкой.",
        "lang_set": "Ваши записи будут расшифровываться как '{code}' (/lang auto — определять"
        " автоматически).",
        "lang_auto": "Язык ваших записей будет определяться автоматически.",
        "lang_unknown": "Язык '{code}' модели распознавания неизвестен; например: /lang ru.",
        "no_speech": "В этой записи никто не говорит, поэтому расшифровки нет.",
        "speakers_usage": "Формат: /speakers <id> SPEAKER_00 Мария",
        "speaker_named": "{speaker} теперь зовётся {name} в {recording_id}.",
        "question_stored": "🤔 Ищу ответ в {recording_id}…",
        "no_recording_for_question": "Сначала пришлите запись, потом спрашивайте о ней.",
        "usage_get": "Формат: /get <id> (см. /list)",
        "usage_delete": "Формат: /delete <id> (см. /list)",
        "not_ready": "{recording_id} ещё не готова: {status}.",
        "download_failed": "Загрузка из Telegram прервалась; пришлите файл ещё раз.",
        "refused": "⚠️ {message}",
        "unavailable": "Сервис перезапускается или занят; попробуйте через минуту.",
        "answer_failed": "❌ Ответа нет: {message} (код: {code})",
        "no_summary": "ℹ️ Итогов не будет: {message} (код: {code})",
        "no_summary_llm_off": "ℹ️ Итогов нет: на этом сервере не настроена языковая модель,"
        " итоги и вопросы отключены.",
        "sources": "Источники:",
        "draft": "✍️ черновик, сверяю с записью…",
        "partly_supported": ("⚠️ Подтверждено не всё: предложений без ссылки на запись — {count}."),
        "who_is_this": (
            "🎙 Кто это — {speaker}? Ответьте на это сообщение именем, и я буду узнавать этот"
            " голос в следующих записях."
        ),
        "is_this": "🎙 Это {name} ({speaker})? Ответьте «да» или правильным именем.",
        "enrolled": "Понял: {speaker} — это {name}. Теперь я буду узнавать этот голос.",
        "people_none": (
            "Я пока никого не узнаю. Назовите говорящего (ответом на голосовой фрагмент или"
            " /speakers), и я узнаю его голос в следующих записях."
        ),
        "people_line": "{number}. {name} · записей: {recordings} · речи: {speech}",
        "people_help": (
            "/people rename <n> <новое имя> · /people merge <n> <в n> · /people forget <n>"
        ),
        "people_unknown": "Человека под номером {number} нет; см. /people.",
        "person_renamed": "{old} теперь {name} во всех расшифровках.",
        "people_merged": "{name} и {into} теперь один человек: {into}.",
        "person_forgotten": (
            "Голосовой отпечаток «{name}» удалён: я больше не буду его узнавать. В расшифровках"
            " имя останется простым текстом."
        ),
    },
}


def render_summary(language: str, summary: Summary) -> str:
    headings = {
        "en": ("📋 Summary", "Decisions", "Action items", "⚠️ = no source found in the recording"),
        "ru": ("📋 Итоги", "Решения", "Задачи", "⚠️ = в записи не найдено, где это сказано"),
    }
    heading = headings.get(language, headings["en"])
    unsupported = set(summary.unsupported)

    def marked(claim: str) -> str:
        return f"{claim} ⚠️" if claim in unsupported else claim

    lines = [heading[0], summary.summary]
    if summary.decisions:
        lines += ["", heading[1] + ":", *(f"• {marked(d)}" for d in summary.decisions)]
    if summary.action_items:
        lines += ["", heading[2] + ":"]
        for item in summary.action_items:
            who = f"{item.who}: " if item.who else ""
            when = f" ({item.when})" if item.when else ""
            lines.append(f"• {who}{marked(item.what)}{when}")
    if unsupported:
        lines += ["", heading[3]]
    return "\n".join(lines)


# a reply that takes the name a voice clip suggested
AGREEMENT = frozenset({"yes", "y", "yep", "yeah", "right", "да", "ага", "угу", "верно", "+", "👍"})


def agrees(text: str) -> bool:
    return text.strip().strip(".!").lower() in AGREEMENT


def language_of(language_code: str | None) -> str:
    return "ru" if (language_code or "").lower().startswith(("ru", "uk", "be")) else "en"


def say(language: str, key: str, **values: object) -> str:
    return TEXTS.get(language, TEXTS["en"])[key].format(**values)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def human_duration(seconds: float) -> str:
    total = int(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"
