"""Which reader a file goes to: by its extension, confirmed by its first bytes.

Readers are imported when their first file arrives: openpyxl and pyarrow cost seconds of a
busy server's start-up and tens of MB, which a server that never sees such a file never pays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from backend.uploads.readers.names import identifier, stem
from backend.uploads.readers.tables import BadFile, ParsedTable

FileFormat = Literal["csv", "xlsx", "parquet"]
EXTENSIONS: dict[str, FileFormat] = {
    "csv": "csv",
    "txt": "csv",
    "tsv": "csv",
    "xlsx": "xlsx",
    "parquet": "parquet",
    "pq": "parquet",
}
_MAGIC: dict[FileFormat, bytes] = {"xlsx": b"PK\x03\x04", "parquet": b"PAR1"}
Reader = Callable[[bytes, str], list[ParsedTable]]


def _reader(chosen: FileFormat) -> Reader:
    if chosen == "xlsx":
        from backend.uploads.readers.xlsx_file import read_xlsx

        return read_xlsx
    if chosen == "parquet":
        from backend.uploads.readers.parquet_file import read_parquet

        return read_parquet
    from backend.uploads.readers.csv_file import read_csv

    return read_csv


def file_format(file_name: str, data: bytes) -> FileFormat:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    chosen = EXTENSIONS.get(extension)
    if chosen is None:
        if extension == "xls":
            raise BadFile("Old Excel (.xls) files are not supported; save it as .xlsx.")
        raise BadFile("Upload a .csv, .xlsx or .parquet file.")
    if not data:
        raise BadFile("The file is empty.")
    magic = _MAGIC.get(chosen)
    if magic is not None and not data.startswith(magic):
        raise BadFile(f"This file's content is not {chosen} (its name says .{extension}).")
    return chosen


def read_tables(file_name: str, data: bytes) -> tuple[FileFormat, list[ParsedTable]]:
    """The file's format and its tables; ``BadFile`` (422) says why one cannot be read."""
    chosen = file_format(file_name, data)
    return chosen, _reader(chosen)(data, identifier(stem(file_name), "upload"))
