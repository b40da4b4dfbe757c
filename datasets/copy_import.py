"""The PostgreSQL path of dataset_import: COPY into temporary tables, then one statement per real table.

1. `ratings_stage`: the ratings stream into a temporary table (binary COPY, built by numpy) while they are
   read and checked, block by block, so memory stays bounded and a bad line stops the import before any
   real table is written.
2. `items_merge`: the items COPY into a temporary table; one INSERT ... ON CONFLICT adds the new ones and
   updates those whose imported fields changed; one INSERT adds missing item-category links.
3. `ratings_merge`: one UPDATE of the changed ratings and one INSERT of the new ones, joined to the users'
   and items' primary keys. When the ratings table holds less than a tenth of what the import brings (a
   first import), its secondary indexes and constraints are dropped before and built after the load: one
   sort per index instead of millions of random inserts, for an exclusive lock on the table meanwhile;
   the rating change log's row trigger is off meanwhile, and one "reload all" row stands for the load.
   Otherwise the merge runs with the indexes in place and locks only the rows it changes.
All of it runs in the caller's transaction: a failure anywhere, even after the drop, leaves the tables,
their indexes and their constraints as they were.

The SQL is built from the models' own table and column names (quoted with `quote_name`); every value
is a parameter or COPY data, hence the `# nosec B608` marks.
"""

from dataclasses import dataclass

import numpy as np
from django.db import connection

from catalog.models import Item, title_search_key
from common.bulk import arrays_copy
from datasets.importers import DatasetItem, DatasetStream, WholeUsers
from datasets.progress import Progress
from feedback.models import Rating, RatingChange
from feedback.services import UpsertCounts

# search_title follows the title (catalog.models.title_search_key): an import writes it as save() would.
IMPORTED_ITEM_FIELDS = ("title", "year", "keywords", "external_ids", "search_title")
NOT_COPIED = ("search", "created", "updated")
SESSION = ("SET LOCAL work_mem = '256MB'", "SET LOCAL maintenance_work_mem = '1GB'")
REBUILD_RATIO = 10  # indexes are built after the load when the table holds under 1/10 of the rows it brings


@dataclass(frozen=True)
class StagedRatings:
    rows: int
    user_codes: list[int]  # every user code in the ratings, sorted


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _temporary(cursor, name: str, columns: str) -> None:
    """A temporary table for this transaction (dropped first: a test's outer transaction never commits)."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP")


def ratings_stage(*, stream: DatasetStream, progress: Progress) -> StagedRatings:
    """Read, check and stage every rating in `import_rating`; a pair rated twice keeps its later line."""
    with connection.cursor() as cursor:
        for statement in SESSION:
            cursor.execute(statement)
        _temporary(cursor, "import_rating", "block int4, user_code int8, item_idx int4, halves int2, stamp int8")
        blocks = WholeUsers(stream.blocks())
        counter = progress.counter(f"{stream.ratings_file}: read, checked and staged")

        def columns():
            for number, block in enumerate(blocks):
                yield [np.full(len(block), number, np.int32), block.users, block.items.astype(np.int32),
                       block.halves, block.stamps]  # fmt: skip
                counter.advance(len(block), f", line {block.end_line:,}" if block.end_line else "")

        rows = arrays_copy(
            cursor=cursor,
            table="import_rating",
            columns=["block", "user_code", "item_idx", "halves", "stamp"],
            blocks=columns(),
        )
        counter.done()
        if blocks.spanning:  # a file not grouped by user: a pair may repeat across blocks, the later wins
            with progress.timed(f"ratings: dropping pairs rated again later ({len(blocks.spanning):,} users)"):
                cursor.execute(
                    """DELETE FROM import_rating s USING import_rating t
                        WHERE s.user_code = ANY(%s) AND t.user_code = s.user_code AND t.item_idx = s.item_idx
                          AND t.block > s.block""",
                    [sorted(blocks.spanning)],
                )
                rows -= cursor.rowcount
        cursor.execute("ANALYZE import_rating")
    return StagedRatings(rows=rows, user_codes=sorted(blocks.users))


def items_merge(
    *, source: str, items: list[DatasetItem], category_pks: dict[str, int], progress: Progress
) -> UpsertCounts:
    """Upsert the items by (source, source id) and add missing category links; leaves `import_item`
    (dataset index -> item pk) for the ratings. Curation (active, featured, description) is never touched."""
    with progress.timed(f"items: {len(items):,} staged and merged"):
        return _items_merge(source, items, category_pks)


def _items_merge(source: str, items: list[DatasetItem], category_pks: dict[str, int]) -> UpsertCounts:
    # Every column but the key, the search vector (its trigger writes it) and the times (the merge's now()):
    # those the import owns from the dataset, the others (curation) at their defaults for new items.
    template = Item(source=source)
    fields = [f for f in Item._meta.concrete_fields if not f.primary_key and f.attname not in NOT_COPIED]
    constants = {f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields}
    columns = [f.column for f in fields]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_item_row")
        cursor.execute(
            f"CREATE TEMPORARY TABLE import_item_row ON COMMIT DROP AS SELECT {', '.join(map(_q, columns))} "  # nosec B608
            f"FROM {_q(Item._meta.db_table)} WITH NO DATA"
        )
        cursor.execute("ALTER TABLE import_item_row ADD COLUMN idx int4")
        json = Item._meta.get_field("external_ids")
        with cursor.copy(f"COPY import_item_row ({', '.join(map(_q, columns))}, idx) FROM STDIN") as copy:
            for idx, item in enumerate(items):
                values = constants | {
                    "source_id": item.source_id,
                    "title": item.title,
                    "search_title": title_search_key(item.title),
                    "year": item.year,
                    "keywords": item.keywords,
                    "external_ids": json.get_db_prep_save(item.external_ids, connection),
                }
                copy.write_row([*(values[f.attname] for f in fields), idx])
        counts = _items_upsert(cursor, columns)
        cursor.execute("DROP TABLE IF EXISTS import_item")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE import_item ON COMMIT DROP AS
                SELECT s.idx, i.id AS item_id FROM import_item_row s
                  JOIN {_q(Item._meta.db_table)} i ON i.source = s.source AND i.source_id = s.source_id"""  # nosec B608
        )
        _item_categories_add(cursor, items, category_pks)
        # Fresh statistics: the planner would scan the catalogue for a handful of inactive items otherwise.
        cursor.execute(f"ANALYZE {_q(Item._meta.db_table)}")
    return UpsertCounts(counts[0], counts[1], len(items) - counts[0] - counts[1])


def _items_upsert(cursor, columns: list[str]) -> tuple[int, int]:
    table = _q(Item._meta.db_table)
    imported = [Item._meta.get_field(name).column for name in IMPORTED_ITEM_FIELDS]
    cursor.execute(
        f"""WITH upserted AS (
                INSERT INTO {table} ({", ".join(map(_q, columns))}, created, updated)
                SELECT {", ".join(map(_q, columns))}, now(), now() FROM import_item_row
                ON CONFLICT (source, source_id) DO UPDATE
                   SET {", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in imported)}, updated = EXCLUDED.updated
                 WHERE ({", ".join(f"{table}.{_q(c)}" for c in imported)})
                       IS DISTINCT FROM ({", ".join(f"EXCLUDED.{_q(c)}" for c in imported)})
                RETURNING (xmax = 0) AS created)
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM upserted"""  # nosec B608
    )
    return cursor.fetchone()


def _item_categories_add(cursor, items: list[DatasetItem], category_pks: dict[str, int]) -> None:
    """Links the import names that are missing; an import never removes a link staff added."""
    pairs = [(idx, category_pks[name]) for idx, item in enumerate(items) for name in item.categories]
    if not pairs:
        return
    through = Item.categories.through
    _temporary(cursor, "import_item_category", "idx int4, category_id int8")
    array = np.array(pairs, np.int64)
    arrays_copy(
        cursor=cursor, table="import_item_category", columns=["idx", "category_id"],
        blocks=[[array[:, 0].astype(np.int32), array[:, 1]]],
    )  # fmt: skip
    cursor.execute(
        f"""INSERT INTO {_q(through._meta.db_table)} (item_id, category_id)
            SELECT m.item_id, c.category_id FROM import_item_category c JOIN import_item m USING (idx)
            ON CONFLICT DO NOTHING"""  # nosec B608
    )


def ratings_merge(*, staged: StagedRatings, user_pks: np.ndarray, progress: Progress) -> UpsertCounts:
    """Write the staged ratings: update the changed, insert the new. `user_pks` follows staged.user_codes."""
    table = _q(Rating._meta.db_table)
    with connection.cursor() as cursor:
        _temporary(cursor, "import_user", "code int8, user_id int8")
        codes = np.array(staged.user_codes, np.int64)
        arrays_copy(cursor=cursor, table="import_user", columns=["code", "user_id"], blocks=[[codes, user_pks]])
        cursor.execute("ANALYZE import_user")
        cursor.execute("ANALYZE import_item")
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS existing", [staged.rows])  # nosec B608
        existing = cursor.fetchone()[0]
        rebuild = existing * REBUILD_RATIO < staged.rows
        dropped = _secondary_drop(cursor, Rating._meta.db_table, progress) if rebuild else []
        if rebuild:  # a row in the change log per rating loaded would double the load: one "reload all" instead
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER rating_change_log_insert")
            cursor.execute(f"INSERT INTO {_q(RatingChange._meta.db_table)} (user_id, item_id) VALUES (NULL, NULL)")  # nosec B608: names only
        updated = 0
        if existing:
            with progress.timed(f"ratings: updating changed ratings among {existing:,} existing"):
                cursor.execute(
                    f"""UPDATE {table} AS r
                           SET value = s.halves * 0.5,
                               created = CASE WHEN s.stamp >= 0 THEN to_timestamp(s.stamp) ELSE r.created END,
                               updated = now()
                          FROM ({_JOINED}) AS s
                         WHERE r.user_id = s.user_id AND r.item_id = s.item_id
                           AND (r.value <> s.halves * 0.5 OR (s.stamp >= 0 AND r.created <> to_timestamp(s.stamp)))"""  # nosec B608
                )
                updated = cursor.rowcount
        absent = f"WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.user_id = s.user_id AND r.item_id = s.item_id)"  # nosec B608
        with progress.timed(f"ratings: inserting new ones among {staged.rows:,}"):
            cursor.execute(
                f"""INSERT INTO {table} (user_id, item_id, value, created, updated)
                    SELECT s.user_id, s.item_id, s.halves * 0.5,
                           CASE WHEN s.stamp >= 0 THEN to_timestamp(s.stamp) ELSE now() END, now()
                      FROM ({_JOINED}) AS s {absent if existing else ""}"""  # nosec B608
            )
            created = cursor.rowcount
        if rebuild:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER rating_change_log_insert")
            _secondary_build(cursor, Rating._meta.db_table, dropped, progress)
            cursor.execute(f"ANALYZE {table}")
    return UpsertCounts(created, updated, staged.rows - created - updated)


_JOINED = """SELECT u.user_id, i.item_id, s.halves, s.stamp FROM import_rating s
               JOIN import_user u ON u.code = s.user_code JOIN import_item i ON i.idx = s.item_idx"""


def _secondary_drop(cursor, table: str, progress: Progress) -> list[tuple[str, str, str]]:
    """Drop `table`'s indexes and unique and foreign-key constraints (not its primary key); returns how
    to build them again, read from the catalogue, so whatever the migrations made comes back as it was."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks still deferred would forbid ALTER TABLE
    cursor.execute(f"LOCK TABLE {_q(table)} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(
        """SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype IN ('f', 'u')
           UNION ALL
           SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
           ORDER BY 1, 2""",
        [table, table],
    )
    dropped = cursor.fetchall()
    for kind, name, _ in dropped:
        if kind == "constraint":
            cursor.execute(f"ALTER TABLE {_q(table)} DROP CONSTRAINT {_q(name)}")
        else:
            cursor.execute(f"DROP INDEX {_q(name)}")
    progress.say(f"ratings: {len(dropped)} indexes and constraints dropped for the load, built again after it")
    return dropped


def _secondary_build(cursor, table: str, dropped: list[tuple[str, str, str]], progress: Progress) -> None:
    # Unique constraints and indexes first; foreign keys last (each is checked by one join).
    for kind, name, definition in sorted(dropped, key=lambda row: _definition_order(row[2])):
        with progress.timed(f"ratings: building {name}"):
            if kind == "constraint":
                cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
            else:
                cursor.execute(definition)
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _definition_order(definition: str) -> int:
    return 1 if definition.startswith("FOREIGN KEY") else 0
