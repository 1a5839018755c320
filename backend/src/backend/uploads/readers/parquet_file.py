"""Parquet through pyarrow (imported on first use: about 70 MB of memory, only when needed).

The footer is read first: a file whose metadata declares more cells than an upload may hold,
or row groups that decompress past ``MAX_EXPANDED_BYTES``, is refused before any data page is
inflated. Column types come from the file's own schema; nested and binary columns are refused
(they are not spreadsheet data and would not survive as text faithfully).
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

from backend.uploads.readers.kinds import Kind, convert
from backend.uploads.readers.names import unique_identifiers
from backend.uploads.readers.tables import (
    MAX_EXPANDED_BYTES,
    BadFile,
    ParsedColumn,
    ParsedTable,
    check_cell_text,
    check_cells,
    check_width,
)

if TYPE_CHECKING:
    import pyarrow as pa


def _kind(arrow_type: pa.DataType) -> Kind:
    import pyarrow as pa

    types = pa.types
    if types.is_dictionary(arrow_type):
        return _kind(arrow_type.value_type)
    if types.is_boolean(arrow_type):
        return "boolean"
    if types.is_integer(arrow_type):
        return "number" if arrow_type == pa.uint64() else "integer"
    if types.is_floating(arrow_type) or types.is_decimal(arrow_type):
        return "number"
    if types.is_date(arrow_type):
        return "date"
    if types.is_timestamp(arrow_type):
        return "timestamp"
    if types.is_string(arrow_type) or types.is_large_string(arrow_type):
        return "text"
    raise BadFile(f"Parquet columns of type {arrow_type} are not supported; keep flat columns.")


def _not_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def read_parquet(data: bytes, table_name: str) -> list[ParsedTable]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
    except (pa.ArrowException, OSError):
        raise BadFile("This is not a readable Parquet file.") from None
    meta = parquet.metadata
    check_width(meta.num_columns, "The file")
    check_cells(meta.num_rows * meta.num_columns, "The file")
    expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if expanded > MAX_EXPANDED_BYTES:
        raise BadFile(
            f"This Parquet file would expand to {expanded:,} bytes; at most "
            f"{MAX_EXPANDED_BYTES:,} are accepted."
        )
    if meta.num_rows == 0:
        raise BadFile("The file has no rows of data.")
    schema = parquet.schema_arrow
    kinds = [_kind(field.type) for field in schema]
    try:
        table = parquet.read()
    except (pa.ArrowException, OSError) as error:
        raise BadFile(f"This Parquet file is damaged: {error}.") from None
    columns: list[list[Any]] = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for position, (kind, values) in enumerate(zip(kinds, columns, strict=True)):
        if kind == "text":
            for value in values:
                if value is not None:
                    check_cell_text(value, f"Column {schema[position].name!r}")
        elif kind == "number":  # NaN and infinities are no amount: stored as empty
            columns[position] = [None if _not_finite(v) else v for v in values]
    names = unique_identifiers([field.name for field in schema], "column")
    rows = [
        tuple(convert(value, kind) for value, kind in zip(row, kinds, strict=True))
        for row in zip(*columns, strict=True)
    ]
    return [
        ParsedTable(
            table_name,
            tuple(ParsedColumn(n, k) for n, k in zip(names, kinds, strict=True)),
            rows,
        )
    ]
