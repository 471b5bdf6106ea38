"""Many visitors pick one moment at once, on two app servers: the database lets one through."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from leadgen import tokens
from leadgen.appointments import service
from leadgen.extensions import db
from leadgen.models import Appointment, AppointmentCell, Lead, utcnow
from tests.production.conftest import post_form

pytestmark = pytest.mark.alone

VISITORS = 40
HOURS = {
    "LEADGEN_HOURS_ADVIESGESPREK": "ma-zo 08:00-20:00",
    "LEADGEN_HOURS_PIJNCHECK": "ma-zo 08:00-20:00",
}


def _leads(app, kinds: list[str]) -> list[str]:
    """A lead per kind in `kinds`; their booking paths."""
    with app.app_context():
        leads = [
            Lead(kind=kind, name=f"Bezoeker {n}", email=f"bezoeker{n}@example.nl")
            for n, kind in enumerate(kinds)
        ]
        db.session.add_all(leads)
        db.session.commit()
        return [f"/afspraak/{tokens.appointment_token(lead.id, lead.secret)}" for lead in leads]


def _an_hour_free_for_both(app) -> datetime:
    with app.app_context():
        calls = service.free_moments("adviesgesprek", None, utcnow())
        checks = set(service.free_moments("pijncheck", None, utcnow()))
    return next(
        m for m in calls if m.minute == 0 and m in checks and m + timedelta(hours=1) in checks
    )


def _race(servers, paths: list[str], slots: list[datetime]) -> list[int | None]:
    jobs = [
        (servers[n % len(servers)], path, slot.strftime("%Y-%m-%dT%H:%M:%SZ"))
        for n, (path, slot) in enumerate(zip(paths, slots, strict=True))
    ]
    with ThreadPoolExecutor(max_workers=VISITORS) as pool:
        return list(pool.map(lambda job: post_form(job[0].port, job[1], {"slot": job[2]})[0], jobs))


def _stored(app) -> tuple[list[Appointment], int]:
    with app.app_context():
        appointments = list(db.session.execute(db.select(Appointment)).scalars())
        cells = db.session.scalar(db.select(db.func.count()).select_from(AppointmentCell))
        db.session.expunge_all()
        return appointments, cells


@pytest.fixture
def two_servers(make_app, serve):
    app = make_app(**HOURS)
    return app, [serve(LEADGEN_WORKERS="2", **HOURS), serve(LEADGEN_WORKERS="2", **HOURS)]


def test_many_bookings_of_one_moment_get_exactly_one_303(two_servers):
    app, servers = two_servers
    paths = _leads(app, ["adviesgesprek", "pijncheck"] * (VISITORS // 2))
    moment = _an_hour_free_for_both(app)
    statuses = _race(servers, paths, [moment] * VISITORS)
    assert statuses.count(303) == 1, Counter(statuses)
    # The others are told the moment is gone; on SQLite a few may time out on the write lock.
    assert set(statuses) <= {303, 409, 503}, Counter(statuses)
    [appointment], cells = _stored(app)
    assert appointment.starts_at == moment
    assert cells == (4 if appointment.kind == "adviesgesprek" else 6)


def test_overlapping_moments_of_both_kinds_get_exactly_one_303(two_servers):
    # A pain check from 09:00 to 09:30 and a call from 09:20 to 09:40 share two cells.
    app, servers = two_servers
    paths = _leads(app, ["pijncheck", "adviesgesprek"] * (VISITORS // 2))
    hour = _an_hour_free_for_both(app)
    slots = [hour, hour + timedelta(minutes=20)] * (VISITORS // 2)
    statuses = _race(servers, paths, slots)
    assert statuses.count(303) == 1, Counter(statuses)
    assert set(statuses) <= {303, 409, 503}, Counter(statuses)
    appointments, _cells = _stored(app)
    assert len(appointments) == 1
