"""Bulk reads: a query's rows as numpy arrays, through PostgreSQL's binary COPY of server-built arrays."""

import numpy as np
import pytest

from common import bulk

pytestmark = pytest.mark.django_db


def test_rows_come_back_as_typed_arrays_across_chunks(monkeypatch):
    monkeypatch.setattr(bulk, "ARRAY_CHUNK", 7)  # several chunks, the last one short
    ids, halves, doubles = bulk.arrays_select(
        sql="SELECT CAST(n AS BIGINT), CAST(n / 2.0 AS REAL), CAST(n * 1.5 AS DOUBLE PRECISION) "
        "FROM generate_series(1, 50) AS n WHERE n %% %s <> 0",
        params=[5],
        dtypes=("i8", "f4", "f8"),
    )
    expected = np.array([n for n in range(1, 51) if n % 5])
    order = np.argsort(ids)
    assert [ids.dtype, halves.dtype, doubles.dtype] == [np.int64, np.float32, np.float64]
    assert ids[order].tolist() == expected.tolist()
    assert halves[order].tolist() == (expected / 2).tolist()
    assert doubles[order].tolist() == (expected * 1.5).tolist()


def test_no_rows_give_empty_arrays_of_their_types():
    (ids,) = bulk.arrays_select(sql="SELECT CAST(1 AS BIGINT) WHERE false", dtypes=("i8",))
    assert ids.dtype == np.int64
    assert len(ids) == 0


def test_a_null_or_another_type_is_refused():
    with pytest.raises(ValueError, match="not i8 throughout"):
        bulk.arrays_select(sql="SELECT CAST(NULL AS BIGINT)", dtypes=("i8",))
    with pytest.raises(ValueError, match="not i8 throughout"):
        bulk.arrays_select(sql="SELECT CAST(1 AS INTEGER)", dtypes=("i8",))


def test_sql_in_matches_a_list_of_any_size():
    match, params = bulk.sql_in("n", list(range(0, 40_000, 2)))
    (found,) = bulk.arrays_select(
        sql=f"SELECT CAST(n AS BIGINT) FROM generate_series(1, 9) AS n WHERE {match}", params=params, dtypes=("i8",)
    )
    assert sorted(found.tolist()) == [2, 4, 6, 8]
