"""Several mail workers at once: each series mail is queued and sent once, whoever gets there."""

from __future__ import annotations

import threading
from collections import Counter

from leadgen.extensions import db
from leadgen.followup import series
from leadgen.models import Lead, SeriesMail
from tests.factories import deliver, together
from tests.followup.conftest import days


def test_two_workers_at_the_same_moment_send_each_mail_once(app, reader, smtp_server):
    leads = [reader() for _ in range(6)]
    smtp_server.handler.delay = 0.02  # slow enough that the two workers interleave

    reports = together(app, lambda: deliver(app, now=days(2)))

    assert sum(report.queued for report in reports) == 6
    assert sum(report.sent for report in reports) == 6
    received = Counter(tuple(item.rcpt_tos) for item in smtp_server.received)
    assert sorted(received.values()) == [1] * 6
    with app.app_context():
        rows = db.session.execute(db.select(SeriesMail.lead_id, SeriesMail.step)).all()
    assert sorted(rows) == [(lead, 1) for lead in leads]


def _stand_in(app, lead_id: int) -> Lead:
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        db.session.expunge(lead)
        return lead


def test_two_workers_queueing_one_step_for_one_lead_make_one_row(app, reader):
    lead = _stand_in(app, reader())
    results = together(app, lambda: series.queue(lead, 1, days(2)))
    assert sorted(results) == [False, True]


def test_two_workers_queueing_two_steps_on_one_day_make_one_row(app, reader):
    lead = _stand_in(app, reader())
    steps = iter([1, 2])
    lock = threading.Lock()

    def queue_next() -> bool:
        with lock:
            step = next(steps)
        return series.queue(lead, step, days(20))

    assert sorted(together(app, queue_next)) == [False, True]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(SeriesMail)).scalar() == 1
