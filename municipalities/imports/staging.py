"""The database side of the indicator import: validated rows go into a temporary staging
table, duplicates are found there in SQL, and one INSERT … ON CONFLICT merges the lot into
the registry. Nothing here holds the file's rows in Python memory.

PostgreSQL is fed with COPY (the rows arrive as ready-made text, written in chunks);
SQLite, used by the demo, with executemany in batches. The merge statement is the same."""

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import groupby, islice
from typing import Any, cast

from django.db import connection

from municipalities.imports.indicator_rows import StagedRow
from municipalities.models import IndicatorValue

STAGING = "municipalities_indicator_import_staging"
_COPY_CHUNK_ROWS = 8192
_SQLITE_BATCH_ROWS = 5000
_FETCH_ROWS = 2000

_KEY = ("municipality_id", "indicator_id", "year")


def _table() -> str:
    return connection.ops.quote_name(IndicatorValue._meta.db_table)


def staging_create(cursor: Any) -> None:
    # Temporary, so private to this connection and gone with it; dropped explicitly at the
    # end as well, because an import inside a longer transaction may be followed by another.
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGING} ("
        "line integer NOT NULL, municipality_id bigint NOT NULL, indicator_id bigint NOT NULL, "
        "year integer NOT NULL, value numeric(20, 4), source varchar(255) NOT NULL)"
    )


def staging_drop(cursor: Any) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")


def staging_fill(cursor: Any, rows: Iterable[StagedRow]) -> None:
    """Rows from :class:`RowChecker` built with ``for_copy`` on PostgreSQL, without on
    SQLite."""
    columns = "line, municipality_id, indicator_id, year, value, source"
    if connection.vendor == "postgresql":
        # One write per chunk of pre-formatted lines: write_row() per row would cost more in
        # Python than the whole COPY costs the server.
        with cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN") as copy:
            iterator = iter(rows)
            while chunk := list(islice(iterator, _COPY_CHUNK_ROWS)):
                # for_copy rows hold COPY's \N, never None, in place of a bad value.
                lines = map("\t".join, cast(list[tuple[str, ...]], chunk))
                copy.write("\n".join(lines) + "\n")
    else:
        iterator = iter(rows)
        sql = f"INSERT INTO {STAGING} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"  # noqa: S608 - constant names, no input
        while batch := list(islice(iterator, _SQLITE_BATCH_ROWS)):
            cursor.executemany(sql, batch)


def staging_duplicates(cursor: Any) -> Iterator[tuple[tuple[int, int, int], list[int]]]:
    """((municipality_id, indicator_id, year), [lines]) for each key found on several lines,
    streamed in key order."""
    key = ", ".join(_KEY)
    on = " AND ".join(f"d.{column} = s.{column}" for column in _KEY)
    cursor.execute(
        f"SELECT s.municipality_id, s.indicator_id, s.year, s.line FROM {STAGING} s "  # noqa: S608 - constant names, no input
        f"JOIN (SELECT {key} FROM {STAGING} GROUP BY {key} HAVING count(*) > 1) d ON {on} "
        "ORDER BY s.municipality_id, s.indicator_id, s.year, s.line"
    )
    rows = _fetch_all(cursor)
    for duplicate_key, group in groupby(rows, key=lambda row: (row[0], row[1], row[2])):
        yield duplicate_key, [row[3] for row in group]


def _fetch_all(cursor: Any) -> Iterator[tuple[Any, ...]]:
    while batch := cursor.fetchmany(_FETCH_ROWS):
        yield from batch


def staging_compare(cursor: Any) -> tuple[int, int]:
    """(created, updated) that a merge would make: staged keys absent from the registry, and
    present with another value or source."""
    table = _table()
    on = " AND ".join(f"v.{column} = s.{column}" for column in _KEY)
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    cursor.execute(
        f"SELECT count(*) - count(v.id), "  # noqa: S608 - constant names, no input
        f"coalesce(sum(CASE WHEN v.id IS NOT NULL AND (v.value {distinct} s.value "
        f"OR v.source {distinct} s.source) THEN 1 ELSE 0 END), 0) "
        f"FROM {STAGING} s LEFT JOIN {table} v ON {on}"
    )
    created, updated = cursor.fetchone()
    return int(created), int(updated)


def staging_merge(cursor: Any, *, now: datetime) -> tuple[int, int]:
    """Merge the staging table into the registry; returns (created, updated). A value whose
    number and source are unchanged is left alone, so its ``updated_at`` stays true.

    Sorted by the unique key: the index is then filled in order and the foreign-key checks
    queued for the commit visit each municipality's rows one after another."""
    table = _table()
    key = ", ".join(_KEY)
    columns = f"{key}, value, source, updated_at"
    stamp = connection.ops.adapt_datetimefield_value(now)
    if connection.vendor == "postgresql":
        # Enough memory for the sort by key to stay off disk for a million rows; LOCAL ends
        # with the import's transaction.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute(
            f"WITH merged AS ("  # noqa: S608 - constant names, no input
            f"INSERT INTO {table} AS v ({columns}) "
            f"SELECT {key}, value, source, %s FROM {STAGING} ORDER BY {key} "
            f"ON CONFLICT ({key}) DO UPDATE SET value = EXCLUDED.value, "
            f"source = EXCLUDED.source, updated_at = EXCLUDED.updated_at "
            f"WHERE (v.value, v.source) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.source) "
            # xmax is 0 on a freshly inserted row version and set on an updated one.
            f"RETURNING (xmax = 0) AS inserted) "
            f"SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
            f"FROM merged",
            [stamp],
        )
        created, updated = cursor.fetchone()
        return int(created), int(updated)
    # SQLite has no xmax: count first, within the same transaction.
    created, updated = staging_compare(cursor)
    # "WHERE true" tells SQLite's parser that ON CONFLICT is not a join's ON clause.
    cursor.execute(
        f"INSERT INTO {table} AS v ({columns}) "  # noqa: S608 - constant names, no input
        f"SELECT {key}, value, source, %s FROM {STAGING} WHERE true ORDER BY {key} "
        f"ON CONFLICT ({key}) DO UPDATE SET value = excluded.value, "
        f"source = excluded.source, updated_at = excluded.updated_at "
        f"WHERE v.value IS NOT excluded.value OR v.source IS NOT excluded.source",
        [stamp],
    )
    return created, updated
