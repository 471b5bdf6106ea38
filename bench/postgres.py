"""PostgreSQL for the bench: is it reachable, and a throwaway database of the bench's own."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

import psycopg
from psycopg import sql

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def libpq(url: str) -> str:
    """The SQLAlchemy URL as psycopg takes it (without the driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _pg_isready() -> bool:
    pg_isready = shutil.which("pg_isready")
    if not pg_isready:
        return False
    done = subprocess.run([pg_isready, "-q", "-h", "127.0.0.1"], check=False)  # noqa: S603
    return done.returncode == 0


def _connects(url: str) -> bool:
    try:
        with psycopg.connect(libpq(url), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def reachable() -> tuple[str | None, str]:
    """Return (server URL, why) when PostgreSQL answers, else (None, why not)."""
    url = os.environ.get("LEADGEN_BENCH_DATABASE_URL") or DEFAULT_URL
    if url == DEFAULT_URL and not _pg_isready() and not _connects(url):
        return None, "pg_isready -h 127.0.0.1 fails and no connection to the default URL"
    if not _connects(url):
        return None, f"no connection to {url} (LEADGEN_BENCH_DATABASE_URL)"
    return url, url


def _with_database(url: str, name: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{name}"


@contextlib.contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """Create `leadgen_bench_<random>` on the server of `url`, yield its URL, drop it afterwards."""
    name = f"leadgen_bench_{secrets.token_hex(4)}"
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(url, name)
    finally:
        with psycopg.connect(libpq(url), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def throwaway(database: str, tool: str) -> Iterator[tuple[dict, str]]:
    """The settings of a throwaway leadgen database and bare baseline database, and its name.

    `database` is "sqlite" (two files in a temporary folder) or "postgresql" (a scratch database
    on the bench's server, both apps in it); `tool` names the script in the error when the
    server does not answer. Everything is removed afterwards.
    """
    if database == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield (
                {
                    "LEADGEN_DATABASE_URL": f"sqlite:///{tmp}/leadgen.db",
                    "BENCH_DB": f"{tmp}/bare.db",
                },
                "SQLite",
            )
        return
    server, why = reachable()
    if server is None:
        raise SystemExit(f"{tool}: PostgreSQL not reachable: {why}")
    with scratch_database(server) as url:
        yield {"LEADGEN_DATABASE_URL": url, "BENCH_DB": libpq(url)}, "PostgreSQL"
