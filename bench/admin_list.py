"""Admin at scale: seed 100 000 leads, time the list page, measure the streamed export's memory.

    .venv/bin/python bench/admin_list.py [--leads 100000] [--requests 200]

Runs on a fresh SQLite file, and on a fresh PostgreSQL database too when
LEADGEN_TEST_DATABASE_URL is set. The list goes through Flask's test client (the app's own
cost: routing, session, query, template), the export is read chunk by chunk while tracemalloc
records the peak. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from bench import postgres
from leadgen import create_app
from leadgen.admin import auth, queries
from leadgen.extensions import db
from leadgen.models import Lead

FIRST = ["Anna", "Bert", "Cor", "Daan", "Eva", "Fleur", "Gijs", "Henk", "Iris", "Joost", "Zoë"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Öztürk"]
PAGES = [f"https://blog.example.nl/{slug}" for slug in ("gluteus", "rug", "heup", "knie", "nek")]
PASSWORD = "bench-wachtwoord-lang"  # noqa: S105 - a throwaway account in a throwaway database


def seed(count: int) -> None:
    """Insert `count` leads spread over the past year, in batches (Core, not the ORM)."""
    rng = random.Random(5)  # noqa: S311 - repeatable sample data, not secrets
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        kind = rng.choices(("ebook", "adviesgesprek", "pijncheck"), (80, 12, 8))[0]
        status = "nieuw"
        if kind != "ebook":
            status = rng.choice(("nieuw", "gebeld", "afspraak", "patiënt", "geen interesse"))
        created = now - timedelta(seconds=rng.randrange(365 * 86400))
        rows.append(
            {
                "kind": kind,
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "email": f"lead{n}@example.nl",
                "phone": f"+316{rng.randrange(10**8):08d}" if kind != "ebook" else None,
                "status": status,
                "follow_up_on": (now + timedelta(days=rng.randrange(-5, 10))).date()
                if status in ("nieuw", "gebeld") and kind != "ebook" and rng.random() < 0.3
                else None,
                "no_answer_count": 0,
                "source": rng.choice(PAGES),
                "utm_source": rng.choice((None, None, "facebook", "nieuwsbrief")),
                "utm_campaign": rng.choice((None, None, None, "lente", "najaar")),
                "request_count": 1,
                "download_count": rng.randrange(3) if kind == "ebook" else 0,
                "created_at": created,
                "last_requested_at": created,
            }
        )
        if len(rows) == 5000:
            db.session.execute(sa.insert(Lead), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Lead), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE lead"))
    else:
        db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def time_get(client, url: str, requests: int) -> tuple[float, float]:
    for _ in range(5):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        response.get_data()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def deep_cursor(app, position: int) -> str:
    with app.app_context():
        lead = db.session.execute(
            sa.select(Lead)
            .order_by(Lead.created_at.desc(), Lead.id.desc())
            .offset(position)
            .limit(1)
        ).scalar_one()
        return queries.encode_cursor(lead.created_at, lead.id)


def rss() -> int:
    """Resident memory now, in bytes (Linux; 0 elsewhere)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def export_memory(client, csrf: str, traced: bool) -> tuple[float, int, float]:
    """Peak extra memory (MiB) while streaming the full export, its size, and the seconds.

    Traced: Python allocations by tracemalloc. Untraced: resident memory (RSS) sampled at
    every chunk, which also sees the database driver's C allocations.
    """
    if traced:
        tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0] if traced else rss()
    peak = base
    start = time.perf_counter()
    response = client.post("/admin/leads/export.csv", data={"csrf_token": csrf})
    assert response.status_code == 200, response.status_code
    size = 0
    for chunk in response.iter_encoded():
        size += len(chunk)
        if not traced:
            peak = max(peak, rss())
    seconds = time.perf_counter() - start
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return (peak - base) / 2**20, size, seconds


def run(database_url: str, label: str, count: int, requests: int) -> None:
    instance = tempfile.mkdtemp(prefix="leadgen-bench-")
    app = create_app(
        {
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "bench-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "leadgen-memory://",
        }
    )
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        seed(count)
        print(f"[{label}] seeded {count} leads in {time.perf_counter() - start:.1f} s")
        auth.create_staff("bench@praktijk.nl", PASSWORD)
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/admin/login",
        data={"csrf_token": csrf, "email": "bench@praktijk.nl", "password": PASSWORD},
    )
    assert response.status_code == 303
    page = client.get("/admin/leads").get_data(as_text=True)  # login starts a new session
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    cursor = deep_cursor(app, int(count * 0.9))
    cases = [
        ("first page", "/admin/leads"),
        ("filtered (pijncheck, gebeld)", "/admin/leads?kind=pijncheck&status=gebeld"),
        ("filtered by date range", "/admin/leads?date_from=2026-01-01&date_to=2026-01-31"),
        ("deep page (90% down)", f"/admin/leads?na={cursor}"),
        ("sorted by name", "/admin/leads?sort=naam"),
        ("search, common name", "/admin/leads?q=jansen"),
        ("search, no match", "/admin/leads?q=xyzzy"),
        ("search by e-mail", "/admin/leads?q=lead4242%40"),
        ("search by phone", "/admin/leads?q=06+1234"),
        ("vandaag bellen", "/admin/leads/vandaag"),
        ("dashboard 90 days", "/admin/?dagen=90"),
    ]
    print(f"[{label}] {'page':32} {'p50 ms':>8} {'p99 ms':>8}")
    for name, url in cases:
        p50, p99 = time_get(client, url, requests)
        print(f"[{label}] {name:32} {p50:8.1f} {p99:8.1f}")
    rss_mib, size, seconds = export_memory(client, csrf, traced=False)
    traced_mib, _, _ = export_memory(client, csrf, traced=True)
    print(
        f"[{label}] export of {count} leads: {size / 2**20:.1f} MiB CSV in {seconds:.1f} s; "
        f"peak extra memory {rss_mib:.1f} MiB RSS, {traced_mib:.1f} MiB Python (tracemalloc)"
    )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", "sqlite", args.leads, args.requests)
    pg_url = os.environ.get("LEADGEN_TEST_DATABASE_URL")
    if pg_url:
        with postgres.scratch_database(pg_url) as url:
            run(url, "postgresql", args.leads, args.requests)


if __name__ == "__main__":
    main()
