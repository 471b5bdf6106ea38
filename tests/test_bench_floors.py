"""The bench's floors (bench/bare.py) store a valid submission whole and nothing they refuse."""

from __future__ import annotations

import sqlite3
import threading
import uuid

import psycopg
import pytest

from bench import bare, postgres
from tests.conftest import PG_URL


@pytest.fixture
def floors(tmp_path, monkeypatch):
    database = tmp_path / "bare.db"
    monkeypatch.setenv("BENCH_DB", str(database))
    monkeypatch.setenv("BENCH_FILE", str(tmp_path / "gids.pdf"))
    monkeypatch.setattr(bare, "_local", threading.local())  # no connection to another test's file
    bare.prepare(str(database))
    return bare.create().test_client(), database


def stored(database) -> tuple[int, int, int]:
    with sqlite3.connect(database) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 -- ours
            for table in ("floor_lead", "floor_consent", "floor_mail")
        )


@pytest.mark.parametrize("path", ["/floor/insert", "/stack/insert"])
def test_a_floor_stores_a_valid_submission_whole(floors, path):
    client, database = floors
    before = stored(database)
    body = {"name": " Vera Vloer ", "email": "Vera@Example.NL", "privacy": "y"}
    answer = client.post(path, data=body | {"form_token": bare.floor_token()})
    assert answer.status_code == 303
    assert stored(database) == tuple(n + 1 for n in before)
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT name, email FROM floor_lead ORDER BY id DESC").fetchone() == (
            "Vera Vloer",
            "Vera@example.nl",
        )


@pytest.mark.parametrize(
    ("path", "change", "status"),
    [
        ("/floor/insert", {"form_token": "vervalst"}, 400),
        ("/stack/insert", {"form_token": "vervalst"}, 400),
        ("/floor/insert", {"email": "geen-adres"}, 400),
        ("/stack/insert", {"email": "geen-adres"}, 422),
    ],
)
def test_a_floor_refuses_what_leadgen_refuses_and_stores_nothing(floors, path, change, status):
    client, database = floors
    before = stored(database)
    body = {"name": "Vera", "email": "vera@example.nl", "privacy": "y"}
    answer = client.post(path, data=body | {"form_token": bare.floor_token()} | change)
    assert answer.status_code == status
    assert stored(database) == before


def test_the_stack_floor_asks_for_the_privacy_consent(floors):
    client, database = floors
    before = stored(database)
    body = {"name": "Vera", "email": "vera@example.nl", "form_token": bare.floor_token()}
    assert client.post("/stack/insert", data=body).status_code == 422
    assert stored(database) == before


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL: set LEADGEN_TEST_DATABASE_URL")
def test_the_floor_prepared_again_on_postgresql_goes_on_past_the_leads_it_has(monkeypatch):
    # bench/instructions.py prepares the same database once per run: the sequence went back to
    # 1000 and the second run's first lead met the first run's (a 500).
    server = postgres.libpq(PG_URL)
    name = f"leadgen_floor_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            database = postgres.libpq(PG_URL.rsplit("/", 1)[0] + f"/{name}")
            monkeypatch.setenv("BENCH_DB", database)
            monkeypatch.setattr(bare, "_local", threading.local())
            token = bare.floor_token()
            for run in ("eerste", "tweede"):
                bare.prepare(database)
                client = bare.create().test_client()
                body = {"name": "Vera", "email": f"{run}@example.nl", "form_token": token}
                assert client.post("/floor/insert", data=body).status_code == 303
            bare._local.pg.close()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
