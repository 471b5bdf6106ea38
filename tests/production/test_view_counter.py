"""The view counter under a real gunicorn: concurrent readers, two workers, every view written."""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from leadgen.extensions import db
from leadgen.models import PageView
from tests.funnel.conftest import BLOG, BROWSER, POST
from tests.production.conftest import request

VIEWS = 200
PATH = "/embed/ebook?" + urlencode({"source": POST, "utm_campaign": "mei"})
NOT_COUNTED = [
    {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
    BROWSER | {"Sec-Purpose": "prefetch"},
]


def stored(app) -> int:
    with app.app_context():
        total = db.session.execute(db.select(db.func.sum(PageView.views))).scalar()
        db.session.remove()
        return int(total or 0)


def read_concurrently(port: int) -> list[tuple[int | None, dict]]:
    """VIEWS readers and a few bots and prefetches, 16 at a time."""
    headers = [BROWSER] * VIEWS + NOT_COUNTED * 10
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = pool.map(lambda h: request(port, "GET", PATH, headers=h), headers)
        return [(status, response_headers) for status, response_headers, _ in answers]


def stop(server) -> None:
    """Stop gunicorn as systemd does: SIGTERM, and the workers finish and exit."""
    os.killpg(server.proc.pid, signal.SIGTERM)
    assert server.proc.wait(60) == 0


def test_every_view_is_written_when_the_workers_exit(make_app, serve):
    app = make_app()
    # The flusher would wait an hour: what is written, the workers wrote on their way out.
    server = serve(LEADGEN_EMBED_ORIGINS=BLOG, LEADGEN_VIEW_FLUSH_SECONDS="3600")
    answers = read_concurrently(server.port)
    assert [status for status, _ in answers] == [200] * len(answers)
    assert not any("set-cookie" in headers for _, headers in answers)
    assert stored(app) == 0
    stop(server)
    assert stored(app) == VIEWS
    assert "not written" not in server.log.read_text()


def test_the_flusher_writes_while_the_workers_serve(make_app, serve):
    app = make_app()
    server = serve(LEADGEN_EMBED_ORIGINS=BLOG, LEADGEN_VIEW_FLUSH_SECONDS="1")
    assert {status for status, _ in read_concurrently(server.port)} == {200}
    written = threading.Event()
    for _ in range(300):  # up to 30 s; the test says nothing about how fast
        if stored(app) == VIEWS:
            written.set()
            break
        written.wait(0.1)
    assert written.is_set(), stored(app)
    stop(server)
    assert stored(app) == VIEWS  # and nothing twice at exit
