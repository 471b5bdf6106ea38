"""The landing page, health check, error pages and headers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from leadgen import create_app
from leadgen.config import ConfigError
from leadgen.extensions import db


def test_landing_page_offers_three_things(client):
    page = client.get("/").get_data(as_text=True)
    assert "Gratis e-book" in page
    assert "Gratis adviesgesprek" in page
    assert "Gratis pijncheck" in page


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_healthz_reports_unreachable_database(make_app, tmp_path):
    app = make_app()
    with app.app_context():
        # Swap in an engine whose database file cannot be opened.
        db.engine.dispose()
        db.engines[None] = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'no.db'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "error"}


def test_unknown_page_is_a_dutch_404(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_pages_refuse_framing(client):
    response = client.get("/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("LEADGEN_DOWNLOAD_TTL_DAYS", "dertig", "LEADGEN_DOWNLOAD_TTL_DAYS"),
        ("LEADGEN_DATABASE_URL", "mysql://x", "LEADGEN_DATABASE_URL"),
        ("LEADGEN_EMBED_ORIGINS", "blog.example.nl", "LEADGEN_EMBED_ORIGINS"),
        ("LEADGEN_SMTP_URL", "http://mail", "LEADGEN_SMTP_URL"),
        ("LEADGEN_SMTP_URL", "smtp://", "LEADGEN_SMTP_URL"),
        ("LEADGEN_SMTP_URL", "smtps://mail:poort", "LEADGEN_SMTP_URL"),
        ("LEADGEN_BASE_URL", "localhost:5000", "LEADGEN_BASE_URL"),
        ("LEADGEN_RATE_LIMIT_FORM", "veel", "LEADGEN_RATE_LIMIT_FORM"),
        ("LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT", "vaak", "LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT"),
        ("LEADGEN_SECRET_KEY", "kort", "LEADGEN_SECRET_KEY"),
    ],
)
def test_wrong_setting_fails_at_start_in_one_line(monkeypatch, tmp_path, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        create_app(
            {"INSTANCE_PATH": str(tmp_path)}
            | ({} if name == "LEADGEN_SECRET_KEY" else {"SECRET_KEY": "x" * 32})
        )
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)


def test_secret_key_is_generated_once_with_private_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("LEADGEN_SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    first = create_app(dict(config)).config["SECRET_KEY"]
    second = create_app(dict(config)).config["SECRET_KEY"]
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_sqlite_is_tuned_for_several_workers(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
