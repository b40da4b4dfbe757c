"""Fast bulk inserts shared by the apps."""

from collections.abc import Iterable, Sequence

import numpy as np
from django.db import connection, models

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
