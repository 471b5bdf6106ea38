"""The bench's floors (bench/bare.py) store a valid submission whole and nothing they refuse."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from bench import bare


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
