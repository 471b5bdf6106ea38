"""Views of the embedded form: one per page shown to a person, no cookie, nothing identifying."""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from leadgen import create_app
from leadgen.extensions import db
from leadgen.funnel import counter, report
from leadgen.models import Lead, PageView
from tests.conftest import EBOOK_FIELDS, base_config, form_token
from tests.funnel.conftest import BLOG, BROWSER, POST
from tests.production.test_database_down import UNREACHABLE

ADDRESS = "203.0.113.57"  # the reader's address, which must end up nowhere


def embed(path: str = "/embed/ebook", **params: str) -> str:
    return f"{path}?{urlencode({'source': POST} | params)}"


def test_a_view_is_counted_without_a_cookie_and_stores_only_a_sum(app, client, views, caplog):
    caplog.set_level(logging.DEBUG)
    client.set_cookie("tracker", "abc")  # a cookie the browser has: nothing reads or sets one
    response = client.get(
        embed(utm_campaign="voorjaar"),
        headers=BROWSER | {"Referer": POST},
        environ_base={"REMOTE_ADDR": ADDRESS},
    )
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert views() == {(POST, "voorjaar"): 1}

    with app.app_context():
        # The table has a day, a page, a campaign and a number, and nothing else.
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("page_view")}
        assert columns == {"day", "source", "utm_campaign", "views"}
        # No stored value anywhere holds the reader's address or browser.
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).all():
                text = " ".join(map(str, row))
                assert ADDRESS not in text and "Firefox" not in text, table.name
    assert ADDRESS not in caplog.text and "Firefox" not in caplog.text


def test_views_are_counted_per_page_campaign_and_form(client, views):
    for path, params in [
        ("/embed/ebook", {}),
        ("/embed/ebook", {}),
        ("/embed/advies", {}),
        ("/embed/ebook", {"utm_campaign": "nieuwsbrief-mei"}),
        ("/embed/advies", {"source": f"{BLOG}/andere-post", "utm_source": "facebook"}),
    ]:
        assert client.get(embed(path, **params), headers=BROWSER).status_code == 200
    assert views() == {
        (POST, ""): 3,
        (POST, "nieuwsbrief-mei"): 1,
        (f"{BLOG}/andere-post", ""): 1,
    }


def test_the_day_is_the_practices_day(make_app, views):
    # Kiritimati is UTC+14: most hours of the day its date is not UTC's.
    app = make_app(LEADGEN_EMBED_ORIGINS=[BLOG], LEADGEN_TIMEZONE="Pacific/Kiritimati")
    before = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    app.test_client().get(embed(), headers=BROWSER)
    counter.flush(app)
    after = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    with app.app_context():
        day = db.session.execute(db.select(PageView.day)).scalar_one()
    assert before <= day <= after


@pytest.mark.parametrize(
    "headers",
    [
        {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
        {"User-Agent": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"},
        {"User-Agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"},
        {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/130.0"},
        {"User-Agent": "python-requests/2.32.3"},
        {"User-Agent": "curl/8.5.0"},
        {"User-Agent": ""},
        BROWSER | {"Sec-Purpose": "prefetch"},
        BROWSER | {"Sec-Purpose": "prefetch;prerender"},
        BROWSER | {"Purpose": "prefetch"},
        BROWSER | {"X-Moz": "prefetch"},
        BROWSER | {"X-Purpose": "preview"},
    ],
    ids=lambda headers: next(iter(headers.values()))[:24] if len(headers) == 1 else "prefetch",
)
def test_bots_and_prefetches_are_not_counted(client, views, headers):
    response = client.get(embed(), headers=headers, environ_base={"HTTP_USER_AGENT": ""})
    assert response.status_code == 200  # they get the page all the same
    assert views() == {}


def test_only_a_person_opening_the_form_counts(client, views):
    # Not a POST, not the form again after an error, not HEAD, not a page off the blogs.
    client.post(embed(), data={"email": "anna@"})
    client.post(embed(), data=EBOOK_FIELDS | {"form_token": form_token(client, embed())})
    client.head(embed(), headers=BROWSER)
    client.get(embed(source="https://elders.example/post"), headers=BROWSER)
    client.get("/embed/ebook", headers=BROWSER)  # a plain iframe: no page to count for
    client.get(embed(source="javascript:alert(1)"), headers=BROWSER)
    client.get(embed("/ebook"), headers=BROWSER)  # the hosted form is no embed
    assert views() == {}


def test_a_page_is_stored_as_a_leads_source_is(app, client, views, submit):
    spaced = f"  {POST}  "
    client.get(embed(source=spaced, utm_campaign=" herfst "), headers=BROWSER)
    submit(embed(source=spaced, utm_campaign=" herfst "), source=spaced, utm_campaign=" herfst ")
    assert views() == {(POST, "herfst"): 1}
    with app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        assert (lead.source, lead.utm_campaign) == (POST, "herfst")
        today = report.practice_today()
        funnel = report.funnel(today, today, "beide", report.practice_zone())
    assert [(r.source, r.campaign, r.views, r.requests) for r in funnel.rows] == [
        (POST, "herfst", 1, 1)
    ]


def test_views_from_many_threads_are_all_counted(app, views):
    threads, each = 8, 25
    barrier = threading.Barrier(threads)
    statuses: list[int] = []

    def read_post() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.extend(client.get(embed(), headers=BROWSER).status_code for _ in range(each))

    workers = [threading.Thread(target=read_post) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert statuses == [200] * threads * each
    assert views() == {(POST, ""): threads * each}


def test_two_processes_add_up_in_the_same_row(app, make_app, views):
    # Two apps on one database stand for two workers: each upserts its own sum.
    other = make_app(LEADGEN_EMBED_ORIGINS=[BLOG])
    for _ in range(3):
        app.test_client().get(embed(), headers=BROWSER)
        other.test_client().get(embed(), headers=BROWSER)
    assert counter.flush(other) == 3
    assert views() == {(POST, ""): 6}
    other.test_client().get(embed(), headers=BROWSER)
    counter.flush(other)
    assert views() == {(POST, ""): 7}


def test_the_background_flusher_writes_without_being_asked(make_app):
    app = make_app(LEADGEN_EMBED_ORIGINS=[BLOG], LEADGEN_VIEW_FLUSH_SECONDS=1)
    app.test_client().get(embed(), headers=BROWSER)
    written = threading.Event()

    def stored() -> int:
        with app.app_context():
            return db.session.execute(db.select(db.func.sum(PageView.views))).scalar() or 0

    for _ in range(100):  # up to 10 s; no claim about how fast
        if stored() == 1:
            written.set()
            break
        written.wait(0.1)
    assert written.is_set()
    assert counter.counter_for(app).pending() == 0


def test_past_its_limit_a_process_counts_known_pages_only(client, app, views, monkeypatch):
    monkeypatch.setattr(counter, "MAX_KEYS", 2)
    for page in ("een", "twee", "drie", "een"):
        client.get(embed(source=f"{BLOG}/{page}"), headers=BROWSER)
    assert counter.counter_for(app).dropped == 1
    assert views() == {(f"{BLOG}/een", ""): 2, (f"{BLOG}/twee", ""): 1}


def test_the_form_needs_no_write_lock_to_be_counted(app, client, views):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the write lock of a database file is SQLite's")
    holder = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")  # a migration or a purge holds the lock
    try:
        assert client.get(embed(), headers=BROWSER).status_code == 200
        assert counter.counter_for(app).pending() == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert views() == {(POST, ""): 1}


@pytest.mark.parametrize("backend", sorted(UNREACHABLE))
def test_with_the_database_down_the_form_is_served_and_the_views_wait(backend, tmp_path, caplog):
    (tmp_path / "leadgen.db").mkdir()  # a folder where the database file should be
    config = base_config(UNREACHABLE[backend].format(tmp=tmp_path), str(tmp_path))
    app = create_app(config | {"LEADGEN_EMBED_ORIGINS": [BLOG]})
    try:
        response = app.test_client().get(embed(), headers=BROWSER)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert counter.flush(app) == 0
        assert counter.counter_for(app).pending() == 1  # kept for the next try
        assert "page-views: 1 counts not written yet" in caplog.text
    finally:
        counter.counter_for(app).flush = lambda: 0  # nothing to write at exit either
        with app.app_context():
            db.engine.dispose()
