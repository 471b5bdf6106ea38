"""Page views of the embedded form: a sum per day, page and campaign, kept in memory a while.

The form page must answer while the database is locked or down, and showing it must not wait
for a write lock. So a view is only added to a dictionary in this process; a background thread
writes the sums every LEADGEN_VIEW_FLUSH_SECONDS, one upsert per (day, page, campaign), and the
process writes what is left when it exits. What a crash (SIGKILL, power cut) loses: the views of
that process since its last write, and nothing else (docs/funnel.md, "What a crash can lose").
Nothing about the visitor is read but two headers that say whether a person looks at the page.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from datetime import date
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from leadgen import database
from leadgen.extensions import db
from leadgen.fields import clean_source, clean_tracking
from leadgen.funnel.report import practice_today
from leadgen.models import PageView

log = logging.getLogger(__name__)

Key = tuple[date, str, str]  # (day in the practice's time zone, source page, utm_campaign)

# Crawlers, link previews, monitors and scripts say who they are; people's browsers do not
# match any of these. An empty User-Agent is no browser either.
BOTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|headless"
    r"|lighthouse|pingdom|uptime|monitor|curl|wget|python|java/|go-http|okhttp|httpclient"
    r"|scrapy|axios|node-fetch|werkzeug|libwww|feedfetcher|validator",
    re.IGNORECASE,
)
# Browsers mark a page they fetch ahead of a click (Chromium: Sec-Purpose and Purpose,
# Firefox: X-Moz, Safari: X-Purpose); that is no view until someone opens it.
PURPOSE_HEADERS = ("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz")
AHEAD = re.compile(r"prefetch|prerender|preview", re.IGNORECASE)
# At most this many different (day, page, campaign) sums wait in one process: a stream of
# made-up page addresses costs bounded memory, and what is past it is not counted.
MAX_KEYS = 10_000
EXTENSION = "leadgen_page_views"


def is_person(headers: Mapping[str, str]) -> bool:
    """Whether a request looks like a person opening the page: no known bot, no prefetch."""
    agent = headers.get("User-Agent", "")
    if not agent.strip() or BOTS.search(agent):
        return False
    return not any(AHEAD.search(headers.get(name, "")) for name in PURPOSE_HEADERS)


def count_view(
    source: str | None,
    campaign: str | None,
    headers: Mapping[str, str],
    origins: Iterable[str],
) -> bool:
    """Count one view of the form on page `source`; whether it was counted. Never raises.

    Only pages on `origins` (the blogs that may frame the form, and our own) count: anything
    else is an address someone made up, and would only fill the table.
    """
    try:
        page = clean_source(source)
        if page is None or not is_person(headers) or _origin(page) not in set(origins):
            return False
        key = (practice_today(), page, clean_tracking(campaign) or "")
        return counter_for(current_app._get_current_object()).add(key)
    except Exception:  # a count may be lost; the form page never is
        log.warning("a page view could not be counted", exc_info=True)
        return False


def flush(app: Flask | None = None) -> int:
    """Write the views `app` (default: the current one) has counted; how many were written."""
    return counter_for(app or current_app._get_current_object()).flush()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class ViewCounter:
    """The views one app counted in this process and has not written yet, and their writer."""

    def __init__(self, app: Flask) -> None:
        self._app = weakref.ref(app)  # the counter never keeps a finished app alive
        self.interval = app.config["LEADGEN_VIEW_FLUSH_SECONDS"]
        self._reset()

    def _reset(self) -> None:
        """Start empty: in a forked child, the parent's sums and threads are the parent's."""
        self._lock = threading.Lock()
        self._pending: dict[Key, int] = {}
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def add(self, key: Key) -> bool:
        with self._lock:
            if key not in self._pending and len(self._pending) >= MAX_KEYS:
                self.dropped += 1
                return False
            self._pending[key] = self._pending.get(key, 0) + 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="leadgen-page-views", daemon=True
                )
                self._thread.start()
        return True

    def pending(self) -> int:
        with self._lock:
            return sum(self._pending.values())

    def flush(self) -> int:
        """Write the sums in one short transaction; keep them for the next try if that fails."""
        with self._lock:
            batch, self._pending = self._pending, {}
        app = self._app()
        if not batch or app is None:
            return 0
        try:
            with app.app_context():
                _write(batch)
        except Exception:  # locked, down, or anything else: try later
            self._put_back(batch)
            log.warning("%s page views not written yet; will retry", sum(batch.values()))
            return 0
        return sum(batch.values())

    def _put_back(self, batch: dict[Key, int]) -> None:
        with self._lock:
            for key, views in batch.items():
                if key in self._pending or len(self._pending) < MAX_KEYS:
                    self._pending[key] = self._pending.get(key, 0) + views

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(self.interval):
            if self._app() is None:
                return
            self.flush()


def _write(batch: dict[Key, int]) -> None:
    """One upsert per key, adding to what other processes wrote; sorted, so no deadlocks."""
    db.session.connection(execution_options={database.RELAXED: True})
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if postgresql:
        db.session.execute(db.text("SET LOCAL synchronous_commit = off"))
    insert = pg_insert if postgresql else sqlite_insert
    table = PageView.__table__
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.day, table.c.source, table.c.utm_campaign],
        set_={"views": table.c.views + statement.excluded.views},
    )
    rows = [
        {"day": day, "source": source, "utm_campaign": campaign, "views": views}
        for (day, source, campaign), views in sorted(batch.items())
    ]
    try:
        db.session.execute(statement, rows)  # the driver's executemany: one upsert per key
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


_counters: weakref.WeakSet[ViewCounter] = weakref.WeakSet()
_made = threading.Lock()


def counter_for(app: Flask) -> ViewCounter:
    """The app's counter, made on first use (with the exit and fork hooks of the process)."""
    counter = app.extensions.get(EXTENSION)
    if counter is None:
        with _made:
            counter = app.extensions.get(EXTENSION)
            if counter is None:
                _install_process_hooks()
                counter = app.extensions[EXTENSION] = ViewCounter(app)
                _counters.add(counter)
    return counter


_hooked = False


def _install_process_hooks() -> None:
    global _hooked  # once per process, however many apps it makes
    if _hooked:
        return
    _hooked = True
    atexit.register(flush_all)
    os.register_at_fork(after_in_child=_forget_after_fork)


def flush_all() -> int:
    """Write every counter's views (at exit: a worker restarting or stopping loses none)."""
    return sum(counter.flush() for counter in list(_counters))


def _forget_after_fork() -> None:
    for counter in list(_counters):
        counter._reset()
