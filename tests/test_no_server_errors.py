"""No input gets a 5xx: random requests to every route, as a careless visitor or a bot sends.

Each seed sends the same requests every run, so a failure names its seed and repeats. The
routes come from the app itself: a new one is tried without touching this file.
"""

from __future__ import annotations

import random
import re

import pytest
from flask import Flask

VALUES = [
    "",
    "x" * 5000,
    '=HYPERLINK("http://example.com/x","klik")',
    "<script>alert(1)</script>",
    "a\r\nBcc: x@example.com",
    "\x00",
    "ä€😀\u202e",
    "%ff%fe",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "null",
    "../../etc/passwd",
    "2026-13-45",
    "2026-12-02T25:61",
    "y",
    "ebook",
    "adviesgesprek",
    "pijncheck",
    "gebeld",
    "a@b.nl",
    "piet@bücher.de",
    "@@",
    "09:00",
]
FIELDS = [
    *("name", "email", "phone", "privacy", "newsletter", "health_consent", "complaint"),
    *("kind", "preferred_moment", "form_token", "website", "source", "utm_source"),
    *("status", "note", "text", "q", "sort", "page", "after", "cursor", "day", "from", "to"),
    *("moment", "action", "appointment_id", "include_health", "van", "reason", "t", "lang"),
    *("password", "next", "csrf_token", "outcome", "period", "weekday", "start", "end"),
]
BODY_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "multipart/form-data",
    "application/json",
    "text/plain",
]
METHODS = ["GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"]


def routes(app: Flask, lead_id: int) -> list[str]:
    """A path for every rule of the app, its parts filled with a real id or with junk."""
    paths = []
    for rule in app.url_map.iter_rules():
        for filler in (str(lead_id), "999999", "abc.def.ghi", "x" * 300, "%ff"):
            path = re.sub(r"<int:[^>]+>", filler if filler.isdigit() else "0", rule.rule)
            paths.append(re.sub(r"<[^>]+>", filler, path))
    return sorted(set(paths))


def junk(rng: random.Random) -> str:
    value = rng.choice(VALUES)
    return value + rng.choice(VALUES) if rng.random() < 0.2 else value


def random_request(rng: random.Random, paths: list[str]) -> tuple[str, str, dict]:
    path, method, options = rng.choice(paths), rng.choice(METHODS), {}
    if rng.random() < 0.5:
        path += "?" + "&".join(
            f"{rng.choice(FIELDS)}={junk(rng)}" for _ in range(rng.randint(0, 4))
        )
    if method == "POST":
        shape = rng.random()
        if shape < 0.6:
            options["data"] = {rng.choice(FIELDS): junk(rng) for _ in range(rng.randint(0, 10))}
        elif shape < 0.8:
            options["data"] = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
            options["content_type"] = rng.choice(BODY_TYPES)
        else:  # a form body that is not UTF-8
            fields = "&".join(f"{rng.choice(FIELDS)}={junk(rng)}" for _ in range(5))
            options["data"] = fields.encode() + b"%ff%c3%28"
            options["content_type"] = BODY_TYPES[0]
    headers = {}
    if rng.random() < 0.3:
        headers["Origin"] = rng.choice(["null", "https://evil.example", "http://localhost"])
    if rng.random() < 0.2:
        headers["Accept-Language"] = rng.choice(["", "xx", "nl;q=abc", "*", "en-GB,en;q=0.5"])
    options["headers"] = headers
    return method, path, options


def statuses(client, paths: list[str], seed: int, count: int) -> list[tuple[str, int]]:
    """(request, status) of `count` random requests; the client starts signed in, and keeps
    that until a random POST to the logout route signs it out."""
    rng, answered = random.Random(seed), []
    for _ in range(count):
        method, path, options = random_request(rng, paths)
        response = client.open(path, method=method, **options)
        answered.append((f"{method} {path[:120]} {str(options)[:160]}", response.status_code))
        response.close()
    return answered


@pytest.mark.parametrize("seed", [1, 2])
def test_random_requests_by_signed_in_staff_get_no_server_error(
    app, staff_client, create_lead, seed
):
    answered = statuses(staff_client, routes(app, create_lead().id), seed, 400)
    errors = [f"{request}: {status}" for request, status in answered if status >= 500]
    assert not errors, "\n".join(errors[:10])


def test_the_random_requests_get_through_often(app, staff_client, create_lead):
    """A fuzz that meets only 404s and 405s tries nothing: a fair share must be served."""
    answered = statuses(staff_client, routes(app, create_lead().id), 1, 200)
    assert sum(status < 400 for _request, status in answered) >= 20
