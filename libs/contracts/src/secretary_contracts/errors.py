"""Error codes shared by every stage, so a user sees the same code wherever a job fails."""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_MEDIA = "not_media"
    EMPTY_FILE = "empty_file"
    CORRUPT_MEDIA = "corrupt_media"
    NO_AUDIO_STREAM = "no_audio_stream"
    TOO_LARGE = "too_large"
    TOO_LONG = "too_long"
    MEDIA_TIMEOUT = "media_timeout"
    NO_SPEECH = "no_speech"
    UNSUPPORTED_LANGUAGE = "unsupported_language"
    STAGE_FAILED = "stage_failed"
    STAGE_TIMEOUT = "stage_timeout"
    TRANSCRIPT_NOT_READY = "transcript_not_ready"
    LLM_UNAVAILABLE = "llm_unavailable"
    LLM_NOT_CONFIGURED = "llm_not_configured"
    INTERNAL_ERROR = "internal_error"


ERROR_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.NOT_MEDIA: "The file is not an audio or video recording.",
    ErrorCode.EMPTY_FILE: "The file is empty.",
    ErrorCode.CORRUPT_MEDIA: "The recording is truncated or corrupt and cannot be decoded.",
    ErrorCode.NO_AUDIO_STREAM: "The file has no audio track.",
    ErrorCode.TOO_LARGE: "The file is larger than the size limit.",
    ErrorCode.TOO_LONG: "The recording is longer than the duration limit.",
    ErrorCode.MEDIA_TIMEOUT: "Reading the recording took too long; it may be damaged.",
    ErrorCode.NO_SPEECH: "No speech was found in the recording.",
    ErrorCode.UNSUPPORTED_LANGUAGE: "The requested language is not supported by the speech model.",
    ErrorCode.STAGE_FAILED: "A processing stage failed repeatedly.",
    ErrorCode.STAGE_TIMEOUT: "The recording made no progress for too long.",
    ErrorCode.TRANSCRIPT_NOT_READY: "The recording has no transcript yet.",
    ErrorCode.LLM_UNAVAILABLE: "The language model could not be reached; try again later.",
    ErrorCode.LLM_NOT_CONFIGURED: "Questions and summaries are off: no language model is"
    " configured (SECRETARY_LLM_BASE_URL).",
    ErrorCode.INTERNAL_ERROR: "An internal error occurred.",
}
