"""A database of the bench's own on the PostgreSQL server of ``DATABASE_URL``: made afresh
before a run and dropped after it, so that a bench never touches the development data."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def _server(url: str) -> Iterator[Any]:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        yield connection


def recreate_database(url: str, name: str) -> None:
    with _server(url) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def drop_database(url: str, name: str) -> None:
    with _server(url) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
