"""The baselines: minimal Flask apps doing the least each leadgen route must do.

`gunicorn 'bench.bare:create()'`, with BENCH_DB (an SQLite file or a postgresql:// URL) and
BENCH_FILE (the PDF). The insert uses the same durability as leadgen: on SQLite WAL,
synchronous=FULL, BEGIN IMMEDIATE; on PostgreSQL (psycopg) synchronous_commit on and one INSERT
per request in its own transaction. So the ratio measures what the app adds, not a different
fsync policy.
"""

from __future__ import annotations

import os
import sqlite3
import threading

import psycopg
from flask import Flask, redirect, render_template_string, request, send_file

PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{{ title }}</title>
</head><body><h1>{{ title }}</h1><p>Een minimale pagina.</p></body></html>"""

_local = threading.local()


def is_postgresql(target: str) -> bool:
    return target.startswith("postgresql")


def _pg_connection() -> psycopg.Connection:
    # Opened lazily in each worker, never before the fork; autocommit off, so each
    # request's INSERT is one transaction, committed with synchronous_commit on.
    conn = getattr(_local, "pg", None)
    if conn is None:
        conn = psycopg.connect(os.environ["BENCH_DB"])
        conn.execute("SET synchronous_commit = on")
        conn.commit()
        _local.pg = conn
    return conn


def _connection() -> sqlite3.Connection:
    # Opened lazily in each worker, never before the fork.
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(os.environ["BENCH_DB"], timeout=15, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=15000")
        conn.execute("PRAGMA synchronous=FULL")
        _local.conn = conn
    return conn


def prepare(path: str) -> None:
    """Create the baseline's table (in an SQLite file or a PostgreSQL database)."""
    if is_postgresql(path):
        with psycopg.connect(path) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS bare_lead "
                "(id BIGSERIAL PRIMARY KEY, name TEXT, email TEXT UNIQUE)"
            )
        return
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS lead (id INTEGER PRIMARY KEY, name TEXT, email TEXT UNIQUE)"
    )
    conn.close()


def create() -> Flask:
    app = Flask(__name__)

    @app.get("/page")
    def page():
        return render_template_string(PAGE, title="Bare Flask")

    @app.post("/insert")
    def insert():
        if is_postgresql(os.environ["BENCH_DB"]):
            conn = _pg_connection()
            conn.execute(
                "INSERT INTO bare_lead (name, email) VALUES (%s, %s)",
                (request.form["name"], request.form["email"]),
            )
            conn.commit()
            return redirect("/page", code=303)
        conn = _connection()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO lead (name, email) VALUES (?, ?)",
            (request.form["name"], request.form["email"]),
        )
        conn.execute("COMMIT")
        return redirect("/page", code=303)

    @app.get("/file")
    def file():
        return send_file(
            os.environ["BENCH_FILE"],
            mimetype="application/pdf",
            as_attachment=True,
            download_name="gids.pdf",
            conditional=True,
            etag=True,
            max_age=0,
        )

    return app
