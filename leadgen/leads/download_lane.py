"""The download lane: a copy already on disk sent without Flask's request machinery.

A download of a made copy is a static file behind a signed link, like the files WhiteNoise or
Werkzeug's SharedDataMiddleware serve in front of an app. Flask's request context, URL
matching, session, and nine request hooks cost more than the link check and the file together
(docs/performance.md, "Fifth round"). This WSGI layer sits right around Flask's own
`wsgi_app`, inside ProxyFix, and answers the one request that needs none of that: a plain GET
of `/download/<token>` whose link is good and whose copy is made. It checks the link, counts
the download and names the route for the access log with the same functions the view uses.

The answer carries Flask's headers, taken from Flask itself: once per process, scheme and
X-Accel setting, the lane asks the app for a download answer through its after-request hooks
(security headers, the route, Vary) and keeps that list. For each answer it fills in the
headers that depend on the file and the clock, with the values Werkzeug's send_file gives.
tests/leads/test_download_lane.py holds the two answers equal.

Anything else goes to Flask unchanged: another method or path, a cookie (a staff member's
session may be refreshed), a conditional or partial GET (Flask answers 304, 206 and 412), a
refused link (the friendly page), a copy not made yet (Flask makes it), a database that does
not answer (the 503 page).
"""

from __future__ import annotations

import logging
import os
import re
import time
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import http_date
from werkzeug.wsgi import wrap_file

from leadgen import tokens
from leadgen.ebook import service as ebook
from leadgen.leads import downloads

log = logging.getLogger(__name__)

PREFIX = "/download/"
TOKEN = re.compile(r"[A-Za-z0-9_.\-]{1,1000}")  # what itsdangerous signs to; else Flask answers
# Request headers that send a download through Flask: see the module's docstring.
THROUGH_FLASK = (
    "HTTP_COOKIE",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
    "HTTP_IF_RANGE",
)
StartResponse = Callable[..., object]


class DownloadLane:
    """WSGI middleware: plain downloads of made copies answered here, the rest by `wsgi_app`."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        # (scheme, X-Accel prefix) -> (route for the log, Flask's headers of a download answer)
        self._flask_headers: dict[tuple[str, str], tuple[str, list[tuple[str, str]]]] = {}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if is_plain_download(environ):
            try:
                answer = self._answer(environ)
            except Exception:  # a fault of the lane's own: Flask answers, as it did before it
                log.exception("download lane: passed to Flask")
                answer = None
            if answer is not None:
                headers, body = answer
                start_response("200 OK", headers)
                return body
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ: dict) -> tuple[list[tuple[str, str]], Iterable[bytes]] | None:
        token = environ["PATH_INFO"][len(PREFIX) :]
        with self.app.app_context():
            prefix = self.app.config["LEADGEN_X_ACCEL_PREFIX"]
            try:
                lead = downloads.lead_for_download(token)
                path = ebook.made_copy(lead.owner, lead.name)
                file = None if prefix else open(path, "rb")  # noqa: SIM115 -- the server closes it
                stat = os.stat(path) if file is None else os.fstat(file.fileno())
            except (tokens.TokenError, SQLAlchemyError, OSError):
                return None  # a refused link, a database that does not answer, no copy yet
            try:
                route, flask_headers = self._headers_of_flask(
                    environ["wsgi.url_scheme"], prefix, path
                )
                headers = fill_in(flask_headers, path, stat, prefix)
                downloads.count_download(lead.lead_id)
            except BaseException:
                if file is not None:
                    file.close()
                raise
        environ["leadgen.route"] = route  # gunicorn's access log reads it from here
        return headers, ([] if file is None else wrap_file(environ, file))

    def _headers_of_flask(
        self, scheme: str, prefix: str, path: Path
    ) -> tuple[str, list[tuple[str, str]]]:
        """Flask's answer to a plain download of `path`, through every after-request hook."""
        key = (scheme, prefix)
        if key not in self._flask_headers:
            with self.app.test_request_context(PREFIX + "lane", base_url=f"{scheme}://lane/"):
                response = downloads.respond(path, downloads.DOWNLOAD_NAME)
                response = self.app.process_response(response)
                response.close()
                headers = response.get_wsgi_headers(request.environ)
                route = request.environ["leadgen.route"]
            self._flask_headers[key] = (route, list(headers.items()))
        return self._flask_headers[key]


def is_plain_download(environ: dict) -> bool:
    """A GET of one download link, with no cookie and nothing conditional or partial about it."""
    path = environ.get("PATH_INFO", "")
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and path.startswith(PREFIX)
        and TOKEN.fullmatch(path, len(PREFIX)) is not None
        and not any(name in environ for name in THROUGH_FLASK)
    )


def fill_in(
    flask_headers: list[tuple[str, str]], path: Path, stat: os.stat_result, prefix: str
) -> list[tuple[str, str]]:
    """Flask's headers with the file's and the clock's own values, as Werkzeug's send_file sets.

    The ETag is Werkzeug's: the file's modification time, size and a checksum of its path.
    """
    now = http_date(int(time.time()))
    values = {
        "content-length": str(stat.st_size),
        "last-modified": http_date(stat.st_mtime),
        "etag": f'"{stat.st_mtime}-{stat.st_size}-{zlib.adler32(str(path).encode()) & 0xFFFFFFFF}"',
        "date": now,
        "expires": now,
    }
    if prefix:
        values = {"date": now, "x-accel-redirect": downloads.accel_location(path, prefix)}
    return [(name, values.get(name.lower(), value)) for name, value in flask_headers]
