"""The languages Whisper models recognise (ISO 639-1, plus `haw` and `yue`), so a door can
refuse an unknown code before any recording is made; the asr stage still asks its model."""

SPEECH_LANGUAGES = frozenset(
    [
        "af",
        "am",
        "ar",
        "as",
        "az",
        "ba",
        "be",
        "bg",
        "bn",
        "bo",
        "br",
        "bs",
        "ca",
        "cs",
        "cy",
        "da",
        "de",
        "el",
        "en",
        "es",
        "et",
        "eu",
        "fa",
        "fi",
        "fo",
        "fr",
        "gl",
        "gu",
        "ha",
        "haw",
        "he",
        "hi",
        "hr",
        "ht",
        "hu",
        "hy",
        "id",
        "is",
        "it",
        "ja",
        "jw",
        "ka",
        "kk",
        "km",
        "kn",
        "ko",
        "la",
        "lb",
        "ln",
        "lo",
        "lt",
        "lv",
        "mg",
        "mi",
        "mk",
        "ml",
        "mn",
        "mr",
        "ms",
        "mt",
        "my",
        "ne",
        "nl",
        "nn",
        "no",
        "oc",
        "pa",
        "pl",
        "ps",
        "pt",
        "ro",
        "ru",
        "sa",
        "sd",
        "si",
        "sk",
        "sl",
        "sn",
        "so",
        "sq",
        "sr",
        "su",
        "sv",
        "sw",
        "ta",
        "te",
        "tg",
        "th",
        "tk",
        "tl",
        "tr",
        "tt",
        "uk",
        "ur",
        "uz",
        "vi",
        "yi",
        "yo",
        "yue",
        "zh",
    ]
)


class UnsupportedLanguage(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"The speech model does not support '{code}'.")
        self.code = code


def chosen_language(code: str | None) -> str | None:
    """What a user chose, at either door: a code Whisper knows (lower case), or None for
    `auto`/nothing (detect). Raises `UnsupportedLanguage` for anything else."""
    if code is None or code.strip().lower() in ("", "auto"):
        return None
    language = code.strip().lower()
    if language not in SPEECH_LANGUAGES:
        raise UnsupportedLanguage(language)
    return language
