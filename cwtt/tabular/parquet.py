"""A table written as Apache Parquet, with typed columns and its codebook inside the file.

Parquet is for analysis (R's arrow, pandas, Stata through pandas, DuckDB): each column has one
type, so an age is a whole number, a height a decimal, `urgent` true or false and a blank answer
a null, never an empty string. The codebook (cwtt/tabular/writing.py `Column`) goes with the data
twice: as the schema's `cwtt.codebook` metadata (JSON, one object per column) and on each field
(`label`, `type`, `choices`, `sensitivity`, `source`), so a researcher who keeps only the file
still has it. Text is kept exactly: Parquet has no formulas, so the spreadsheet quote of decision
0029 would only corrupt the value.

Written in row groups, so a district's rows never sit in memory at once. Plain Python, no Django;
pyarrow is imported only when a file is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, BinaryIO

from .writing import CODEBOOK_HEADER, Column, ExportError, codebook_rows

ROW_GROUP = 10_000
CODEBOOK_KEY = "cwtt.codebook"


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    number = float(value)
    if not number.is_integer():
        raise ValueError
    return int(number)


def _decimal(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    return float(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)  # select_multiple, as XLSForm writes it
    return str(value)


# The codebook's type (its first word: "select_one yn" is text) -> the Arrow type's name and
# how a value becomes one.
KINDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "integer": ("int64", _whole),
    "decimal": ("float64", _decimal),
    "range": ("float64", _decimal),
    "boolean": ("bool_", _boolean),
}
TEXT = ("string", _text)


def kind_of(column: Column) -> tuple[str, Callable[[Any], Any]]:
    return KINDS.get(column.type.split(" ", 1)[0], TEXT)


def schema_for(columns: Sequence[Column]):
    """The Arrow schema: each column's type, its codebook row on the field, the whole codebook
    in the schema's metadata."""
    import pyarrow as pa

    book = [dict(zip(CODEBOOK_HEADER, row, strict=True)) for row in codebook_rows(columns)]
    fields = [
        pa.field(
            column.name,
            getattr(pa, kind_of(column)[0])(),
            nullable=True,
            metadata={k: v for k, v in entry.items() if k != "column"},
        )
        for column, entry in zip(columns, book, strict=True)
    ]
    return pa.schema(fields, metadata={CODEBOOK_KEY: json.dumps(book, ensure_ascii=False)})


def write_parquet(file: BinaryIO, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
    """Typed rows (None for blank, True/False, numbers, text, lists for select_multiple) into
    `file` as Parquet; returns the row count. A value that does not fit its column's type is
    refused with the column named (ExportError)."""
    import pyarrow.parquet as pq

    schema = schema_for(columns)
    converters = [kind_of(c)[1] for c in columns]
    writer = pq.ParquetWriter(file, schema, compression="zstd")
    count = 0
    try:
        batch: list[list[Any]] = [[] for _ in columns]
        for row in rows:
            for index, value in enumerate(row):
                if value is None or value == "":
                    batch[index].append(None)
                    continue
                try:
                    batch[index].append(converters[index](value))
                except (TypeError, ValueError):
                    column = columns[index]
                    raise ExportError(
                        f"Column {column.name} holds {str(value)[:40]!r}, which is not "
                        f"{column.type.split(' ', 1)[0]}; the question may have changed type "
                        "between instrument versions."
                    ) from None
            count += 1
            if count % ROW_GROUP == 0:
                writer.write_table(_table(batch, schema))
                batch = [[] for _ in columns]
        if batch[0] or not count:
            writer.write_table(_table(batch, schema))
    finally:
        writer.close()
    return count


def _table(batch: list[list[Any]], schema):
    import pyarrow as pa

    arrays = [
        pa.array(values, type=field.type) for values, field in zip(batch, schema, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)
