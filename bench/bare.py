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
from email_validator import EmailNotValidError, validate_email
from flask import Flask, abort, redirect, render_template_string, request, send_file
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import BooleanField, EmailField, HiddenField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{{ title }}</title>
</head><body><h1>{{ title }}</h1><p>Een minimale pagina.</p></body></html>"""

_local = threading.local()

# The floor: the least any app keeping leadgen's promises must do, written as plainly as it can
# be, on SQLite and on PostgreSQL. A submission: check a signed form token, validate the
# address, and in one durable transaction insert the lead, its consent and its mail (what it
# will say: its signed links; leadgen renders the bodies when the mail is sent). A download:
# check a signed link, read the lead it names, send the file.
FLOOR_SECRET = "bench-floor-secret-not-for-anything-else"  # noqa: S105 -- a throwaway key
FLOOR_LEAD = (1, "s" * 32)  # id and secret of the lead the floor download serves
# Three signed links, as a submission's e-book mail keeps them (about leadgen's length).
FLOOR_MAIL = '{"download": "%s", "confirm": "%s", "unsubscribe": "%s"}' % (("x" * 80,) * 3)


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


def _pg_reader() -> psycopg.Connection:
    # For the floor download's read: autocommit, as leadgen reads a link (no BEGIN, no ROLLBACK).
    conn = getattr(_local, "pg_read", None)
    if conn is None:
        conn = _local.pg_read = psycopg.connect(os.environ["BENCH_DB"], autocommit=True)
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


FLOOR_TABLES = """
    CREATE TABLE IF NOT EXISTS floor_lead
      (id INTEGER PRIMARY KEY, name TEXT, email TEXT UNIQUE, secret TEXT UNIQUE);
    CREATE TABLE IF NOT EXISTS floor_consent
      (id INTEGER PRIMARY KEY, lead_id BIGINT REFERENCES floor_lead, purpose TEXT, text TEXT);
    CREATE TABLE IF NOT EXISTS floor_mail
      (id INTEGER PRIMARY KEY, lead_id BIGINT REFERENCES floor_lead, to_addr TEXT, body TEXT);
"""


def prepare(path: str) -> None:
    """Create the baseline's table (in an SQLite file or a PostgreSQL database)."""
    if is_postgresql(path):
        with psycopg.connect(path) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS bare_lead "
                "(id BIGSERIAL PRIMARY KEY, name TEXT, email TEXT UNIQUE)"
            )
            for statement in FLOOR_TABLES.replace(
                "INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY"
            ).split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT INTO floor_lead (id, name, email, secret) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (FLOOR_LEAD[0], "Bench Vloer", "vloer@example.nl", FLOOR_LEAD[1]),
            )
            # Past the floor's own lead, and past an earlier run's leads when prepared again.
            conn.execute(
                "SELECT setval('floor_lead_id_seq',"
                " GREATEST(1000, (SELECT max(id) FROM floor_lead)))"
            )
        return
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS lead (id INTEGER PRIMARY KEY, name TEXT, email TEXT UNIQUE)"
    )
    conn.executescript(FLOOR_TABLES)
    conn.execute(
        "INSERT OR IGNORE INTO floor_lead (id, name, email, secret) VALUES (?, ?, ?, ?)",
        (FLOOR_LEAD[0], "Bench Vloer", "vloer@example.nl", FLOOR_LEAD[1]),
    )
    conn.close()


def _floor_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(FLOOR_SECRET, salt="floor")


def floor_token() -> str:
    """A signed token: the floor submission's form token and the floor download's link."""
    return _floor_signer().dumps(list(FLOOR_LEAD))


def _store(name: str, email: str) -> None:
    """The floor's write: in one durable transaction the lead, its consent and its mail."""
    pg = is_postgresql(os.environ["BENCH_DB"])
    conn = _pg_connection() if pg else _connection()

    def run(sql: str, args: tuple):  # the same statements on both: `?` is psycopg's `%s`
        return conn.execute(sql.replace("?", "%s") if pg else sql, args)

    if not pg:
        conn.execute("BEGIN IMMEDIATE")  # psycopg begins the transaction itself
    lead_id = run(
        "INSERT INTO floor_lead (name, email, secret) VALUES (?, ?, ?) RETURNING id",
        (name, email, os.urandom(16).hex()),
    ).fetchone()[0]
    run(
        "INSERT INTO floor_consent (lead_id, purpose, text) VALUES (?, 'privacy', ?)",
        (lead_id, "Ik ga akkoord met de privacyverklaring."),
    )
    run(
        "INSERT INTO floor_mail (lead_id, to_addr, body) VALUES (?, ?, ?)",
        (lead_id, email, FLOOR_MAIL),
    )
    if pg:
        conn.commit()
    else:
        conn.execute("COMMIT")


RATE_LIMIT = "1000000 per minute"  # as the bench sets leadgen's: counted, never reached
_limiter = Limiter(key_func=get_remote_address, storage_uri="memory://")


class StackForm(FlaskForm):
    """The public e-book form's fields (leadgen/leads/forms.py), with its required checks."""

    class Meta:
        csrf = False  # a signed form token instead, as leadgen's public forms

    name = StringField(validators=[DataRequired(), Length(max=100)])
    email = EmailField(validators=[DataRequired(), Length(max=254)])
    privacy = BooleanField(validators=[InputRequired()])
    newsletter = BooleanField()
    website = StringField(validators=[Optional()])
    form_token = HiddenField()
    source = HiddenField()
    utm_source = HiddenField()
    utm_medium = HiddenField()
    utm_campaign = HiddenField()
    utm_content = HiddenField()

    def validate_email(self, field: EmailField) -> None:
        try:
            field.data = validate_email(field.data, check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise ValidationError(str(error)) from None


def create() -> Flask:
    app = Flask(__name__)
    _limiter.init_app(app)

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
        return _send(os.environ["BENCH_FILE"])

    @app.post("/floor/insert")
    def floor_insert():
        form = request.form
        try:
            _floor_signer().loads(form.get("form_token", ""), max_age=4 * 3600)
            email = validate_email(form["email"], check_deliverability=False).normalized
        except (BadSignature, EmailNotValidError, KeyError):
            abort(400)
        _store(form["name"].strip(), email)
        return redirect("/page", code=303)

    # The stack's floor: the floor's work done with the libraries DESIGN.md names for it, used
    # as plainly as they allow: Flask-Limiter's two limits (per client address and per e-mail
    # address, in memory as in the bench's leadgen) and a Flask-WTF form of the public form's
    # eleven fields, validated, with the address checked by email-validator.
    @app.post("/stack/insert")
    @_limiter.limit(RATE_LIMIT)
    @_limiter.limit(RATE_LIMIT, key_func=lambda: request.form.get("email", ""))
    def stack_insert():
        form = StackForm()
        try:
            _floor_signer().loads(form.form_token.data or "", max_age=4 * 3600)
        except BadSignature:
            abort(400)
        if not form.validate():
            abort(422)
        _store(form.name.data.strip(), form.email.data)
        return redirect("/page", code=303)

    @app.get("/floor/download/<token>")
    def floor_download(token: str):
        try:
            lead_id, secret = _floor_signer().loads(token, max_age=30 * 86400)
        except (BadSignature, ValueError):
            abort(404)
        read = "SELECT name FROM floor_lead WHERE id = ? AND secret = ?"
        if is_postgresql(os.environ["BENCH_DB"]):
            row = _pg_reader().execute(read.replace("?", "%s"), (lead_id, secret)).fetchone()
        else:
            row = _connection().execute(read, (lead_id, secret)).fetchone()
        if row is None:
            abort(404)
        return _send(os.environ["BENCH_FILE"])

    return app


def _send(path: str):
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name="gids.pdf",
        conditional=True,
        etag=True,
        max_age=0,
    )
