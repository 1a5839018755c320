"""Speech to text for the question box (thin; rules in services.transcription)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel

from backend.api.deps import SettingsDep
from backend.voice.service import MAX_AUDIO_BYTES, transcribe

router = APIRouter(tags=["ask"])


class Transcript(BaseModel):
    text: str


@router.post(
    "/transcribe",
    response_model=Transcript,
    responses={
        400: {"description": "http_error: the multipart body is malformed"},
        413: {"description": "payload_too_large: the upload exceeds the size limit"},
        422: {"description": "invalid_input: empty, too large, too long or not audio"},
        502: {"description": "llm_failed: the transcription service failed"},
        503: {"description": "voice_unavailable: no OpenAI API key is configured"},
    },
)
def transcribe_audio(
    audio: Annotated[UploadFile, File(description="a recording of at most 60 s / 10 MB")],
    settings: SettingsDep,
) -> Transcript:
    data = audio.file.read(MAX_AUDIO_BYTES + 1)
    return Transcript(text=transcribe(settings, data))
