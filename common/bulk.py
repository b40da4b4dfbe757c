"""Fast bulk inserts shared by the apps."""

from collections.abc import Sequence

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
