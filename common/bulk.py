"""Fast bulk writes and reads shared by the apps: COPY in and out of PostgreSQL, numpy arrays for rows."""

from collections.abc import Iterable, Sequence

import numpy as np
from django.db import connection, models
from psycopg import ClientCursor

BATCH = 5000


def rows_insert(*, model: type[models.Model], fields: Sequence[str], rows: list[tuple]) -> None:
    """Insert plain tuples (values in `fields` order, attnames such as `item_id`) into `model`'s table.

    COPY on PostgreSQL, which is several times faster than INSERT for the hundreds of thousands of
    rows an import or a training run writes (building model instances is most of bulk_create's cost);
    bulk_create elsewhere. Database constraints apply either way.
    """
    if not rows:
        return
    if connection.vendor == "postgresql":
        columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=BATCH)


_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") * 2  # the header of COPY's binary format
_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def arrays_copy(*, cursor, table: str, columns: Sequence[str], blocks: Iterable[Sequence[np.ndarray]]) -> int:
    """COPY blocks of integer arrays (one per column, int16, int32 or int64, no NULLs) into `table`
    (PostgreSQL only), in COPY's binary format built by numpy: no Python object per row, so tens of
    millions of rows stream at memory speed. Returns the number of rows written."""
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    rows = 0
    with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(_COPY_SIGNATURE)
        for arrays in blocks:
            count = len(arrays[0])
            layout = [("fields", ">i2")]
            for n, array in enumerate(arrays):
                layout += [(f"size{n}", ">i4"), (f"value{n}", f">i{array.dtype.itemsize}")]
            packed = np.empty(count, layout)
            packed["fields"] = len(arrays)
            for n, array in enumerate(arrays):
                packed[f"size{n}"] = array.dtype.itemsize
                packed[f"value{n}"] = array
            copy.write(packed.tobytes())
            rows += count
        copy.write(_COPY_TRAILER)
    return rows


def arrays_select(*, sql: str, params: Sequence = (), dtypes: Sequence[str]) -> list[np.ndarray]:
    """The rows of a query as one numpy array per column, of `dtypes` ("i4", "i8", "f4", "f8").

    On PostgreSQL the server packs the rows into arrays, ARRAY_CHUNK rows to a row of the answer, which
    comes back in COPY's binary format and is parsed by numpy: no Python object per row (libpq hands a COPY
    over one row at a time, so a row per rating would cost a Python call each), and millions of rows cost
    their bytes, not gigabytes of tuples. The query must give exactly those types and no NULLs: cast with
    `CAST(x AS BIGINT)` (i8), `INTEGER` (i4), `REAL` (f4) or `DOUBLE PRECISION` (f8), which SQLite reads
    too. Elsewhere (SQLite) the rows are fetched.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [np.array([row[n] for row in rows], dtype=dtype) for n, dtype in enumerate(dtypes)]
    columns = ", ".join(f"c{n}" for n in range(len(dtypes)))
    packed = ", ".join(f"array_agg(c{n})" for n in range(len(dtypes)))
    chunked = (
        f"SELECT {packed} FROM (SELECT *, (row_number() OVER ()) / {ARRAY_CHUNK} AS chunk "  # nosec B608: names, placeholders
        f"FROM ({sql}) AS query ({columns})) AS numbered GROUP BY chunk"
    )
    data = bytearray()
    with connection.cursor() as cursor:
        # COPY takes no bound parameters: psycopg writes them into the statement, quoted, on this side.
        statement = ClientCursor(connection.connection).mogrify(f"COPY ({chunked}) TO STDOUT (FORMAT BINARY)", params)
        with cursor.copy(statement) as copy:
            for block in copy:
                data += block
    parts: list[list[np.ndarray]] = [[] for _ in dtypes]
    at, end = len(_COPY_SIGNATURE), len(data) - len(_COPY_TRAILER)
    while at < end:
        at += 2  # the row's field count
        for n, dtype in enumerate(dtypes):
            size = int.from_bytes(data[at : at + 4], "big", signed=True)
            parts[n].append(_array_values(memoryview(data)[at + 4 : at + 4 + size], dtype))
            at += 4 + size
    return [
        np.concatenate(chunks) if chunks else np.zeros(0, dtype=dtype)
        for chunks, dtype in zip(parts, dtypes, strict=True)
    ]


# Rows per array in arrays_select's answer: a few MB each, far below PostgreSQL's 1 GB per value.
ARRAY_CHUNK = 200_000
_ARRAY_HEADER = 20  # a one-dimensional array: dimensions, flags, element type, length, lower bound


def _array_values(array: memoryview, dtype: str) -> np.ndarray:
    """The elements of a one-dimensional array in PostgreSQL's binary format (each a length and a value)."""
    layout = np.dtype([("size", ">i4"), ("value", ">" + dtype)])
    length = int.from_bytes(array[12:16], "big", signed=True)
    body = array[_ARRAY_HEADER:]
    elements = np.frombuffer(body, dtype=layout) if len(body) == length * layout.itemsize else None
    if elements is None or not (elements["size"] == np.dtype(dtype).itemsize).all():
        raise ValueError(f"a column of the query is not {dtype} throughout (a NULL, or another type)")
    return elements["value"].astype(dtype)


def sql_in(column: str, values: Sequence[int]) -> tuple[str, list]:
    """`column` is one of the integers `values`, as SQL and its parameters: one array parameter on
    PostgreSQL (a statement of any size), a list of placeholders elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [[int(value) for value in values]]
    if not len(values):
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", [int(value) for value in values]
