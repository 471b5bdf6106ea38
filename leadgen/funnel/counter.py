"""Page views of the embedded form: a sum per day, page and campaign, kept in memory a while.

The form page must answer while the database is locked or down, and showing it must not wait
for a write lock. So a view is only added to a dictionary in this process; a background thread
writes the sums every LEADGEN_VIEW_FLUSH_SECONDS, one upsert per (day, page, campaign), and the
process writes what is left when it exits (leadgen/tally.py, shared with the download counts).
What a crash (SIGKILL, power cut) loses: the views of that process since its last write, and
nothing else (docs/funnel.md, "What a crash can lose").
Nothing about the visitor is read but two headers that say whether a person looks at the page.
"""

from __future__ import annotations

import logging
import re
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
from leadgen.tally import Tally, tally_for

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


def counter_for(app: Flask) -> Tally:
    """The app's page-view sums (leadgen/tally.py: written in the background and at exit)."""
    return tally_for(app, "page-views", _write, app.config["LEADGEN_VIEW_FLUSH_SECONDS"], MAX_KEYS)
