"""A database we can read but not write: the health check says so, and so does start-up."""

from __future__ import annotations

import pytest

from leadgen import create_app
from leadgen.config import ConfigError
from leadgen.extensions import db
from tests.conftest import EBOOK_FIELDS, base_config, form_token
from tests.production.conftest import totals


@pytest.fixture
def read_only_app(app, tmp_path):
    """The test's database as a service sees it when it may read but not write.

    SQLite: the file opened read-only, as one on a read-only mount or owned by another user
    looks (as root, file permissions would not stop us). PostgreSQL: read-only transactions,
    as on a standby.
    """
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    config = base_config(url, str(tmp_path))
    if url.startswith("sqlite:///"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///file:{url.removeprefix('sqlite:///')}"
        config["SQLALCHEMY_DATABASE_URI"] += "?mode=ro&uri=true"
    else:
        options = {"options": "-c default_transaction_read_only=on"}
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": options}
    read_only = create_app(config)
    yield read_only
    with read_only.app_context():
        db.engine.dispose()


def test_the_health_check_fails_on_a_read_only_database(read_only_app):
    response = read_only_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "error"}


def test_the_health_check_is_ok_on_a_writable_database(app, leads):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}
    assert leads() == []  # the write it tries is never kept
    assert totals(app) == (0, 0, 0)


def test_a_submission_to_a_read_only_database_gets_the_friendly_503(read_only_app):
    client = read_only_app.test_client()
    data = EBOOK_FIELDS | {"form_token": form_token(client, "/ebook")}
    response = client.post("/ebook", data=data)
    assert response.status_code == 503
    assert "Tijdelijk niet beschikbaar" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent/dir/leadgen.db",
        "sqlite:///file:/nonexistent/dir/x.db?mode=ro&uri=true",
    ],
)
def test_a_missing_database_folder_stops_start_up_in_one_line(url, tmp_path):
    with pytest.raises(ConfigError) as caught:
        create_app(base_config(url, str(tmp_path)))
    message = str(caught.value)
    assert "\n" not in message
    assert "LEADGEN_DATABASE_URL" in message
    assert "/nonexistent/dir" in message


def test_a_relative_database_path_is_checked_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="missing/folder"):
        create_app(base_config("sqlite:///missing/folder/leadgen.db", str(tmp_path)))
    (tmp_path / "missing" / "folder").mkdir(parents=True)
    create_app(base_config("sqlite:///missing/folder/leadgen.db", str(tmp_path)))
