"""The minimum fill time counts from the first time the visitor saw the form, and never loses one.

A correction sent within seconds of a 422 is a person, not a bot: the form token re-issued with
the errors keeps the time of the first page, so the second try is stored like any other.
"""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from leadgen.extensions import db
from leadgen.models import Counter, OutboxMail
from tests.conftest import ADVIES_FIELDS, EBOOK_FIELDS, SECRET_KEY, TOKEN, form_token

MIN_FILL = 30
FORMS = [
    ("/ebook", "ebook", EBOOK_FIELDS),
    ("/advies", "advies", ADVIES_FIELDS),
    ("/embed/ebook", "ebook", EBOOK_FIELDS),
    ("/embed/advies", "advies", ADVIES_FIELDS),
]


def seen_ago(form_name: str, seconds: float) -> str:
    """A form token as our page would have issued it `seconds` ago (same key, same salt)."""
    signer = URLSafeTimedSerializer(SECRET_KEY, salt="leadgen.form")
    return signer.dumps({"f": form_name, "t": time.time() - seconds})


def token_in(response) -> str:
    match = TOKEN.search(response.get_data(as_text=True))
    assert match, "the form again, with a token"
    return match.group(1)


def stored(app) -> tuple[int, int, dict[str, int]]:
    """(leads, outbox mails, counters by name)."""
    from leadgen.models import Lead

    with app.app_context():
        leads = db.session.query(Lead).count()
        mails = db.session.query(OutboxMail).count()
        counters = {c.name: c.value for c in db.session.execute(db.select(Counter)).scalars()}
        db.session.remove()
    return leads, mails, counters


@pytest.fixture
def slow_app(make_app):
    return make_app(LEADGEN_MIN_FILL_SECONDS=MIN_FILL)


@pytest.mark.parametrize(("path", "form_name", "fields"), FORMS)
def test_a_quick_correction_after_a_422_is_stored(slow_app, path, form_name, fields):
    client = slow_app.test_client()
    first = seen_ago(form_name, MIN_FILL + 5)  # the visitor has been filling in for a while
    without_privacy = {k: v for k, v in fields.items() if k != "privacy"}
    response = client.post(path, data=without_privacy | {"form_token": first})
    assert response.status_code == 422

    # Ticked at once and sent again: seconds after the 422, long after the first page.
    response = client.post(path, data=fields | {"form_token": token_in(response)})
    assert response.status_code == 303
    assert "t=-" not in response.headers["Location"]
    leads, mails, counters = stored(slow_app)
    assert (leads, counters) == (1, {})
    assert mails >= 1


@pytest.mark.parametrize(("path", "form_name", "fields"), FORMS)
def test_the_reissued_token_keeps_the_time_of_the_first_page(slow_app, path, form_name, fields):
    client = slow_app.test_client()
    response = client.post(path, data={"form_token": seen_ago(form_name, MIN_FILL + 5)})
    assert response.status_code == 422
    again = URLSafeTimedSerializer(SECRET_KEY, salt="leadgen.form").loads(token_in(response))
    assert time.time() - again["t"] >= MIN_FILL


@pytest.mark.parametrize(("path", "form_name", "fields"), FORMS)
def test_too_fast_asks_to_send_again_instead_of_a_false_thank_you(
    slow_app, path, form_name, fields
):
    client = slow_app.test_client()
    response = client.post(path, data=fields | {"form_token": form_token(client, path)})
    # No thank-you without a stored request: the form again, input kept, asking for one more try.
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "nog niet verstuurd" in page
    assert f'value="{fields["email"]}"' in page
    assert stored(slow_app) == (0, 0, {"too_fast": 1})


@pytest.mark.parametrize(("path", "form_name", "fields"), FORMS)
def test_a_fast_invalid_post_shows_the_errors(slow_app, path, form_name, fields):
    client = slow_app.test_client()
    token = form_token(client, path)
    response = client.post(path, data={"form_token": token, "email": "anna@example.nl"})
    assert response.status_code == 422
    assert stored(slow_app)[:2] == (0, 0)


class TenHoursAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 10 * 3600


def test_a_correction_after_an_expired_form_is_stored(slow_app):
    """A form open for hours was not filled in by a bot in seconds: the next send counts."""
    client = slow_app.test_client()
    old = URLSafeTimedSerializer(SECRET_KEY, salt="leadgen.form", signer=TenHoursAgo)
    stale = old.dumps({"f": "ebook", "t": time.time() - 10 * 3600})
    response = client.post("/ebook", data=EBOOK_FIELDS | {"form_token": stale})
    assert response.status_code == 400
    assert "te lang open" in response.get_data(as_text=True)
    response = client.post("/ebook", data=EBOOK_FIELDS | {"form_token": token_in(response)})
    assert response.status_code == 303
    assert stored(slow_app)[0] == 1


def test_the_honeypot_still_gets_the_quiet_thank_you(slow_app):
    client = slow_app.test_client()
    data = EBOOK_FIELDS | {"form_token": form_token(client, "/ebook"), "website": "x"}
    response = client.post("/ebook", data=data)
    assert response.status_code == 303
    assert re.search(r"t=-$", response.headers["Location"])
    assert stored(slow_app) == (0, 0, {"honeypot": 1})


def test_a_quick_correction_of_the_resend_form_sends_the_link(slow_app):
    client = slow_app.test_client()
    data = EBOOK_FIELDS | {"form_token": seen_ago("ebook", MIN_FILL + 5)}
    assert client.post("/ebook", data=data).status_code == 303
    first = seen_ago("opnieuw", MIN_FILL + 5)
    response = client.post("/ebook/opnieuw", data={"email": "anna@", "form_token": first})
    assert response.status_code == 422
    data = {"email": "anna@example.nl", "form_token": token_in(response)}
    assert client.post("/ebook/opnieuw", data=data).status_code == 200
    assert stored(slow_app)[1] == 2  # the link of the request, and the fresh one


def test_a_too_fast_resend_asks_to_send_again(slow_app):
    client = slow_app.test_client()
    data = {"email": "anna@example.nl", "form_token": form_token(client, "/ebook/opnieuw")}
    response = client.post("/ebook/opnieuw", data=data)
    assert response.status_code == 400
    assert "nog niet verstuurd" in response.get_data(as_text=True)
