"""Spreadsheet uploads of the signed-in user (thin; rules in ``uploads.service``).

An upload answers as a connection: list, tables, re-scan and delete go through
``/api/connections`` like any database's.
"""

from __future__ import annotations

from typing import Annotated

from contract.connections import Connection, UploadUsage
from fastapi import APIRouter, File, Form, UploadFile

from backend.api.deps import CurrentUser, DbSession, ServicesDep
from backend.api.errors import documented

router = APIRouter(prefix="/uploads", tags=["connections"])


@router.post(
    "",
    status_code=201,
    response_model=Connection,
    responses=documented(
        e400="http_error: the multipart body is malformed",
        e401="unauthorized / invalid_token: sign in first",
        e409="allowance_exceeded: the user's uploads would occupy more than allowed",
        e413="payload_too_large: the file exceeds UPLOAD_MAX_BYTES",
        e422="bad_file or invalid_input: the detail says what is wrong with the file",
        e503="uploads_unavailable or uploads_busy: this server cannot store uploads, or is "
        "reading others now (see Retry-After)",
    ),
)
def upload(
    file: Annotated[UploadFile, File(description="a .csv, .xlsx or .parquet file")],
    user: CurrentUser,
    services: ServicesDep,
    session: DbSession,
    name: Annotated[str | None, Form(max_length=120)] = None,
) -> Connection:
    data = file.file.read(services.settings.upload_max_bytes + 1)
    return services.uploads.create(session, user.user_id, file.filename or "", data, name)


@router.get(
    "/usage",
    response_model=UploadUsage,
    responses=documented(e401="unauthorized / invalid_token: sign in first"),
)
def usage(user: CurrentUser, services: ServicesDep, session: DbSession) -> UploadUsage:
    return services.uploads.usage(session, user.user_id)
