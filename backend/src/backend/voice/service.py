"""Speech to text for the question box, through OpenAI's transcription endpoint.

Uploads are checked before anything is sent: a size limit, a recognised audio format (by its
first bytes, not the client's word), and for WAV, whose header states it, at most a minute.
"""

from __future__ import annotations

import io
import wave
from typing import TYPE_CHECKING

from backend.core.config import Settings
from backend.core.errors import InvalidInput, ServiceUnavailable
from backend.engines.base import LlmFailed
from backend.engines.openai.client import make_client
from backend.engines.openai.llm_call import Budget, Refused, with_retries
from backend.engines.openai.llm_errors import server_words

if TYPE_CHECKING:
    from openai.types.audio import Transcription

MAX_AUDIO_BYTES = 10 * 1024 * 1024
MAX_AUDIO_SECONDS = 60


class VoiceUnavailable(ServiceUnavailable):
    code = "voice_unavailable"


def _format(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    if data[:4] == b"OggS":
        return "ogg"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if data[:4] == b"fLaC":
        return "flac"
    if data[4:8] == b"ftyp":
        return "m4a"
    return None


def _wav_seconds(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data)) as audio:
            rate = audio.getframerate()
            return audio.getnframes() / rate if rate else 0.0
    except (wave.Error, EOFError):
        raise InvalidInput("The WAV file is damaged; please record again.") from None


def check_audio(data: bytes) -> str:
    """Return the file extension of a valid recording or raise ``InvalidInput``."""
    if not data:
        raise InvalidInput("The recording is empty.")
    if len(data) > MAX_AUDIO_BYTES:
        raise InvalidInput("The recording is larger than 10 MB; keep it under a minute.")
    kind = _format(data)
    if kind is None:
        raise InvalidInput("Unsupported audio format: send WAV, MP3, M4A, OGG, WEBM or FLAC.")
    if kind == "wav" and _wav_seconds(data) > MAX_AUDIO_SECONDS:
        raise InvalidInput("The recording is longer than 60 seconds; please keep it shorter.")
    return kind


def transcribe(settings: Settings, data: bytes) -> str:
    kind = check_audio(data)  # a bad upload is the sender's to fix, with or without a key
    if not settings.llm_enabled:
        raise VoiceUnavailable(
            "Voice input needs an OpenAI API key (OPENAI_API_KEY); type the question instead."
        )
    import openai

    client = make_client(settings)
    budget = Budget(settings.openai_timeout_seconds)

    def once() -> Transcription:
        return client.audio.transcriptions.create(
            model=settings.openai_transcribe_model,
            file=(f"question.{kind}", data),
            timeout=max(0.1, budget.remaining()),
        )

    try:
        result = with_retries(settings, budget, once)
    except Refused as refusal:
        said = server_words(refusal.body, settings)
        raise LlmFailed(
            f"Transcription was refused (HTTP {refusal.status}: {said}); type the question instead."
        ) from None
    except openai.OpenAIError:
        raise LlmFailed("Transcription failed; please try again or type the question.") from None
    text = result.text.strip()
    if not text:
        raise InvalidInput("No speech was recognised in the recording.")
    return text
