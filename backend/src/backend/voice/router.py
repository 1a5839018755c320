"""Speech to text for the question box (thin; rules in ``voice.service``)."""

from __future__ import annotations

from typing import Annotated

from contract.ask import Transcript
from fastapi import APIRouter, File, UploadFile

from backend.api.deps import CurrentUser, SettingsDep
from backend.api.errors import documented
from backend.voice.service import MAX_AUDIO_BYTES, transcribe

router = APIRouter(tags=["ask"])


@router.post(
    "/transcribe",
    response_model=Transcript,
    responses=documented(
        e400="http_error: the multipart body is malformed",
        e401="unauthorized: sign in to use voice input",
        e413="payload_too_large: the upload exceeds the size limit",
        e422="invalid_input: empty, too large, too long or not audio",
        e502="llm_failed: the transcription service failed",
        e503="voice_unavailable: no OpenAI API key is configured",
    ),
)
def transcribe_audio(
    audio: Annotated[UploadFile, File(description="a recording of at most 60 s / 10 MB")],
    _: CurrentUser,
    settings: SettingsDep,
) -> Transcript:
    """Signed-in users only: each call spends the operator's speech-to-text allowance."""
    data = audio.file.read(MAX_AUDIO_BYTES + 1)
    return Transcript(text=transcribe(settings, data))
