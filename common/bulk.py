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

    On PostgreSQL the query's answer streams through COPY's binary format, parsed by numpy in one go: no
    Python object per row, so millions of rows cost their bytes and not gigabytes of tuples. The query must
    give exactly those types and no NULLs: cast with `CAST(x AS BIGINT)` (i8), `INTEGER` (i4), `REAL` (f4)
    or `DOUBLE PRECISION` (f8), which SQLite reads too. Elsewhere (SQLite) the rows are fetched.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [np.array([row[n] for row in rows], dtype=dtype) for n, dtype in enumerate(dtypes)]
    layout = [("fields", ">i2")]
    for n, dtype in enumerate(dtypes):
        layout += [(f"size{n}", ">i4"), (f"value{n}", ">" + dtype)]
    data = bytearray()
    with connection.cursor() as cursor:
        # COPY takes no bound parameters: psycopg writes them into the statement, quoted, on this side.
        statement = ClientCursor(connection.connection).mogrify(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)", params)
        with cursor.copy(statement) as copy:
            for block in copy:
                data += block
    body = memoryview(data)[len(_COPY_SIGNATURE) : len(data) - len(_COPY_TRAILER)]
    rows = np.frombuffer(body, dtype=np.dtype(layout))
    for n, dtype in enumerate(dtypes):
        if len(rows) and not (rows[f"size{n}"] == np.dtype(dtype).itemsize).all():
            raise ValueError(f"column {n} of the query is not {dtype} throughout (a NULL, or another type)")
    return [rows[f"value{n}"].astype(dtype) for n, dtype in enumerate(dtypes)]


def sql_in(column: str, values: Sequence[int]) -> tuple[str, list]:
    """`column` is one of the integers `values`, as SQL and its parameters: one array parameter on
    PostgreSQL (a statement of any size), a list of placeholders elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [[int(value) for value in values]]
    if not len(values):
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", [int(value) for value in values]
