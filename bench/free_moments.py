"""The free-moment page (/afspraak/<token>) with 10 000 appointments booked: p50 and p99.

In-process through the test client, on a migrated SQLite database and, where
LEADGEN_TEST_DATABASE_URL is set, on a PostgreSQL database of its own. The appointments lie
back to back before today (the practice's history) and fill the next weeks' hours, each with
the cells that hold it, as booking would leave them; the visitor asking for moments is a new lead.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade

from bench import postgres
from bench.admin_list import percentiles
from leadgen import create_app, tokens
from leadgen.appointments import service
from leadgen.extensions import db
from leadgen.models import Appointment, AppointmentCell, Lead, new_secret

CELL = timedelta(minutes=5)
LENGTH = {"adviesgesprek": timedelta(minutes=20), "pijncheck": timedelta(minutes=30)}


def seed(count: int) -> int:
    """Book `count` appointments (one lead each); return the id of a lead without one.

    Every other free moment of the coming weeks is booked (a busy agenda, within the hours);
    the rest lie back to back before today, the practice's history.
    """
    now = datetime.now(UTC)
    coming = [
        (kind, start) for kind in LENGTH for start in service.free_moments(kind, None, now)[::2]
    ]
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=400)
    leads, appointments, cells = [], [], []
    for n in range(count):
        if n < len(coming):
            kind, begins = coming[n]
        else:
            kind = "pijncheck" if n % 3 == 0 else "adviesgesprek"
            begins, start = start, start + LENGTH[kind]
        leads.append({"id": n + 1, "kind": kind, "name": f"Bench {n}", "email": f"b{n}@e.nl"})
        appointments.append(
            {
                "id": n + 1,
                "lead_id": n + 1,
                "kind": kind,
                "starts_at": begins,
                "ends_at": begins + LENGTH[kind],
                "status": "geboekt" if begins > now else "geweest",
                "uid": f"{uuid.uuid4()}@leadgen",
            }
        )
        cell = begins
        while cell < begins + LENGTH[kind]:
            cells.append({"cell_start": cell, "seat": 1, "appointment_id": n + 1})
            cell += CELL
    for row in leads:
        row["secret"] = new_secret()
    db.session.execute(sa.insert(Lead), leads)
    db.session.execute(sa.insert(Appointment), appointments)
    db.session.execute(sa.insert(AppointmentCell), cells)
    # An id of its own too: the explicit ids above leave PostgreSQL's sequence at 1.
    visitor = Lead(id=count + 1, kind="adviesgesprek", name="Bezoeker", email="bezoeker@example.nl")
    db.session.add(visitor)
    db.session.commit()
    print(f"seeded: {len(coming)} of them in the coming weeks")
    return visitor.id


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
        started = time.perf_counter()
        visitor = seed(count)
        print(f"[{label}] seeded {count} appointments in {time.perf_counter() - started:.1f} s")
        lead = db.session.get(Lead, visitor)
        url = f"/afspraak/{tokens.appointment_token(lead.id, lead.secret)}"
    client = app.test_client()
    for _ in range(5):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200
    p50, p99 = percentiles(samples)
    print(f"[{label}] free-moment page, {count} appointments: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", "sqlite", args.appointments, args.requests)
    pg_url = os.environ.get("LEADGEN_TEST_DATABASE_URL")
    if pg_url:
        with postgres.scratch_database(pg_url) as url:
            run(url, "postgresql", args.appointments, args.requests)


if __name__ == "__main__":
    main()
