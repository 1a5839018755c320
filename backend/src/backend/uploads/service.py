"""Turn an uploaded file into a connection: limits, reading, the allowance, storing, recording.

The cheap refusals come first (size, an allowance already used up), then the file is read
(and refused with a 422 that says what to fix), then, with the owner's row locked, the tables
are stored and measured and the allowance checked against what they really occupy. All of it
runs in the request's transaction: any refusal leaves no table, schema, role, file or row.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from contract.connections import Connection as PublicConnection
from contract.connections import UploadUsage
from sqlalchemy.orm import Session

from backend.connections.service import ConnectionRegistry
from backend.core.config import Settings
from backend.core.errors import AppError, Conflict, ServiceUnavailable
from backend.data.models import Upload, new_id
from backend.uploads import repository
from backend.uploads.readers.formats import read_tables
from backend.uploads.readers.names import stem
from backend.uploads.readers.tables import ParsedTable
from backend.uploads.schema import describe
from backend.uploads.storage import UploadStorage

MAX_FILE_NAME = 255
# Reading and loading a 10 MB file holds a core for tens of seconds and about 250 MB of memory:
# one at a time per process (replicas each take their own), the others refused at once with
# Retry-After (like the work gate) rather than queued.
PARALLEL_UPLOADS = 1
RETRY_AFTER_SECONDS = 5


class FileTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class AllowanceExceeded(Conflict):
    code = "allowance_exceeded"


class UploadsBusy(ServiceUnavailable):
    code = "uploads_busy"


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:,.1f} MB"


class UploadService:
    def __init__(
        self, settings: Settings, storage: UploadStorage, connections: ConnectionRegistry
    ) -> None:
        self._max_bytes = settings.upload_max_bytes
        self._allowance = settings.upload_allowance_bytes
        self._storage = storage
        self._connections = connections
        self._slots = threading.BoundedSemaphore(PARALLEL_UPLOADS)

    def usage(self, session: Session, user_id: str) -> UploadUsage:
        return UploadUsage(
            used_bytes=repository.stored_bytes(session, user_id),
            allowance_bytes=self._allowance,
            max_file_bytes=self._max_bytes,
        )

    def create(
        self, session: Session, user_id: str, file_name: str, data: bytes, name: str | None
    ) -> PublicConnection:
        if len(data) > self._max_bytes:
            raise FileTooLarge(f"The file is larger than {_megabytes(self._max_bytes)}.")
        self._check_allowance(session, user_id, 0)
        file_name = file_name.replace("\\", "/").rsplit("/", 1)[-1][:MAX_FILE_NAME] or "upload"
        with self._slot():
            file_format, tables = read_tables(file_name, data)
            return self._store(session, user_id, file_name, file_format, tables, len(data), name)

    def _store(
        self,
        session: Session,
        user_id: str,
        file_name: str,
        file_format: str,
        tables: list[ParsedTable],
        file_bytes: int,
        name: str | None,
    ) -> PublicConnection:
        repository.lock_owner(session, user_id)
        self._connections.check_room(session, user_id)
        upload_id = new_id()
        stored = self._storage.load(session, upload_id, tables)
        self._check_allowance(session, user_id, stored)
        upload = Upload(
            connection_id=upload_id,
            user_id=user_id,
            file_name=file_name,
            file_format=file_format,
            file_bytes=file_bytes,
            stored_bytes=stored,
        )
        info = describe(tables, self._storage.dialect, self._storage.types)
        label = (name or "").strip() or stem(file_name) or file_name
        return self._connections.add_upload(session, user_id, upload, label[:120], info)

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            raise UploadsBusy(
                "Other files are being read right now; please upload again in a moment.",
                retry_after=RETRY_AFTER_SECONDS,
            )
        try:
            yield
        finally:
            self._slots.release()

    def _check_allowance(self, session: Session, user_id: str, adding: int) -> None:
        used = repository.stored_bytes(session, user_id)
        if used + adding > self._allowance or (adding == 0 and used >= self._allowance):
            need = f" this file needs {_megabytes(adding)};" if adding else ""
            raise AllowanceExceeded(
                f"Your uploads may occupy {_megabytes(self._allowance)} and use "
                f"{_megabytes(used)};{need} delete an upload first."
            )
