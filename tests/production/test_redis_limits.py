"""Rate limits on Redis: shared by every app server, and no error page when Redis is away."""

from __future__ import annotations

import uuid

import pytest
import redis

from leadgen import create_app
from leadgen.extensions import db, limiter
from tests.conftest import EBOOK_FIELDS, base_config, form_token
from tests.production.conftest import issue_tokens, post_form, require_redis


@pytest.fixture
def redis_url() -> str:
    return require_redis()


def _keys(url: str, marker: str) -> list[bytes]:
    client = redis.Redis.from_url(url)
    try:
        return client.keys(f"*{marker}*")
    finally:
        client.close()


def test_two_app_servers_share_the_limits(make_app, serve, redis_url):
    app = make_app()
    marker = uuid.uuid4().hex  # in the e-mail address, so the limit's key is ours alone
    email = f"gedeeld-{marker}@example.nl"
    settings = {
        "LEADGEN_REDIS_URL": redis_url,
        "LEADGEN_RATE_LIMIT_EMAIL": "3 per minute",
        "LEADGEN_WORKERS": "1",
    }
    first, second = serve(**settings), serve(**settings)
    fields = [
        EBOOK_FIELDS | {"email": email, "form_token": token}
        for token in issue_tokens(app, "ebook", 4)
    ]
    try:
        statuses = [
            post_form(server.port, "/ebook", form)[0]
            for server, form in zip([first, second, first, second], fields, strict=True)
        ]
        assert statuses == [303, 303, 303, 429]
        assert _keys(redis_url, marker), "the limit lives in Redis"
    finally:
        keys = _keys(redis_url, marker)
        if keys:
            redis.Redis.from_url(redis_url).delete(*keys)


def test_limits_use_redis_when_it_is_configured(tmp_path, redis_url):
    config = base_config(f"sqlite:///{tmp_path / 'redis.db'}", str(tmp_path))
    del config["RATELIMIT_STORAGE_URI"]  # so LEADGEN_REDIS_URL decides
    app = create_app(config | {"LEADGEN_REDIS_URL": redis_url})
    with app.app_context():
        assert type(limiter.storage).__name__ == "RedisStorage"
        db.engine.dispose()


def test_redis_down_falls_back_to_memory_without_an_error(tmp_path, monkeypatch):
    # Flask-Limiter marks the storage dead on its one object for every app of this process:
    # afterwards the mark is taken off again, so later apps start on a live storage.
    monkeypatch.setattr(limiter, "_storage_dead", False)
    config = base_config(f"sqlite:///{tmp_path / 'fallback.db'}", str(tmp_path))
    del config["RATELIMIT_STORAGE_URI"]
    app = create_app(
        config
        | {
            "LEADGEN_REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens there
            "LEADGEN_RATE_LIMIT_EMAIL": "2 per minute",
        }
    )
    with app.app_context():
        db.create_all()
    client = app.test_client()
    statuses = [
        client.post("/ebook", data=EBOOK_FIELDS | {"form_token": form_token(client, "/ebook")})
        for _ in range(3)
    ]
    assert [response.status_code for response in statuses] == [303, 303, 429]
    assert "Even rustig aan" in statuses[2].get_data(as_text=True)
    assert limiter._storage_dead  # counted in memory by Flask-Limiter's own path
    with app.app_context():
        db.engine.dispose()
