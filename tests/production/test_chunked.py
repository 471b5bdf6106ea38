"""A body sent in chunks, without Content-Length, meets the same 64 KiB limit as any other."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlencode

from tests.conftest import EBOOK_FIELDS
from tests.production.conftest import issue_tokens, totals


def post_chunked(port: int, path: str, body: bytes, piece: int = 8192):
    """POST `body` with Transfer-Encoding: chunked, as a streaming client or proxy would."""

    def pieces() -> Iterator[bytes]:
        for start in range(0, len(body), piece):
            yield body[start : start + piece]

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            path,
            body=pieces(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://127.0.0.1:{port}",
            },
            encode_chunked=True,
        )
        answer = conn.getresponse()
        return answer.status, answer.read().decode("utf-8", "replace")
    finally:
        conn.close()


def body(app, padding: int = 0, field: str = "zzz") -> bytes:
    """A valid e-book request; `padding` bytes in `field` ("zzz" comes last, "name" first)."""
    [token] = issue_tokens(app, "ebook", 1)
    fields = EBOOK_FIELDS | {"form_token": token}
    if padding:
        fields[field] = "A" * padding
    return urlencode(fields).encode()


def just_over_the_limit(app) -> bytes:
    data = body(app) + b"&zzz="
    return data + b"A" * (64 * 1024 + 1 - len(data))


def test_a_chunked_body_over_the_limit_gets_413_and_stores_nothing(make_app, serve):
    app = make_app()
    server = serve()
    # Once silently cut at 64 KiB: the padding last, the request still went through.
    for data in (body(app, 100_000), body(app, 100_000, "name"), just_over_the_limit(app)):
        assert len(data) > 64 * 1024
        status, page = post_chunked(server.port, "/ebook", data)
        assert status == 413
        assert "Te veel gegevens" in page
    assert totals(app) == (0, 0, 0)


def test_a_chunked_body_within_the_limit_is_taken(make_app, serve):
    app = make_app()
    server = serve()
    data = body(app, 60_000)
    assert len(data) < 64 * 1024
    status, _page = post_chunked(server.port, "/ebook", data)
    assert status == 303
    assert totals(app)[0] == 1
