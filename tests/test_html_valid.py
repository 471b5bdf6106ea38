"""Every page, public and admin, is valid HTML by the Nu Html Checker (vnu.jar), in one JVM call.

vnu-jar comes from package-lock.json (`make install`) and needs Java 11 or later (`make browser`).
A page with a known error goes through the same call, so the check itself is shown to bite.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from flask.testing import FlaskClient

from leadgen import tokens
from leadgen.admin import auth
from leadgen.embed.demo import create_demo
from leadgen.extensions import db
from leadgen.mail.messages import bodies
from leadgen.models import Lead, OutboxMail
from tests.browser import ROOT, unavailable
from tests.conftest import form_token

VNU = Path(
    os.environ.get(
        "LEADGEN_VNU_JAR", ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    )
)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "lang-genoeg-wachtwoord"
# Pages a plain GET shows: name -> path.
PLAIN = {
    "landing": "/",
    "landing-en": "/?lang=en",
    "ebook": "/ebook",
    "ebook-en": "/ebook?lang=en",
    "advies": "/advies?kind=pijncheck",
    "resend": "/ebook/opnieuw",
    "embed-ebook": "/embed/ebook",
    "embed-advies": "/embed/advies",
    "privacy": "/privacy",
    "not-found": "/bestaat-niet",
    "link-problem": "/download/onbekend",
    "confirm-unknown": "/bevestig/onbekend",
    "admin-login": "/admin/login",
    "bot-thanks": "/ebook/bedankt?t=-",
}
ADMIN = [
    "/admin/",
    "/admin/agenda",
    "/admin/leads",
    "/admin/leads?q=anna",
    "/admin/leads/vandaag",
    "/admin/audit",
    "/admin/funnel",
    "/admin/funnel?per=beide&lang=en",
    "/admin/insluiten",
]
BROKEN = '<img src="/ebook/omslag.svg">'  # an image without alt: vnu reports it


@pytest.fixture
def database_url(tmp_path) -> str:
    """The markup does not depend on the database: SQLite only, so one JVM call per run."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(scope="session")
def vnu() -> list[str]:
    """The command that runs the Nu Html Checker, or a skip (a failure on CI) without it."""
    java = shutil.which("java")
    if not java:
        unavailable("the HTML check needs Java 11 or later: run `make browser`")
    if not VNU.is_file():
        unavailable(f"the HTML check needs vnu-jar at {VNU}: run `make install`")
    return [java, "-jar", str(VNU), "--format", "json", "--stdout"]


def _html(response, status: int | None = 200) -> str:
    """The page's HTML, after checking its status (None: whatever the page is meant to answer)."""
    assert status in (None, response.status_code), (response.request.path, response.status_code)
    return response.get_data(as_text=True)


def _post(client: FlaskClient, path: str, status: int, **fields) -> str:
    """Post the form on `path` with a fresh form token; the page that answers."""
    data = {"form_token": form_token(client, path)} | fields
    return _html(client.post(path, data=data, follow_redirects=True), status)


def _public_pages(client: FlaskClient, app) -> tuple[dict[str, str], int]:
    """Every public page, including those behind a submit and a mailed link; Anna's lead id."""
    pages = {name: _html(client.get(path), None) for name, path in PLAIN.items()}
    ebook = {"name": "Anna de Vries", "email": "anna@example.nl", "privacy": "y"}
    advies = {"name": "Piet Jansen", "email": "piet@example.nl", "phone": "06 12345678"}
    pages["ebook-thanks"] = _post(client, "/ebook", 200, newsletter="y", **ebook)
    pages["ebook-errors"] = _post(client, "/ebook", 422, email="anna@")
    pages["advies-thanks"] = _post(client, "/advies", 200, kind="pijncheck", privacy="y", **advies)
    pages["advies-errors"] = _post(client, "/advies", 422, phone="123")
    pages["embed-ebook-thanks"] = _post(client, "/embed/ebook", 200, **ebook)
    pages["embed-advies-errors"] = _post(client, "/embed/advies", 422)
    pages["resend-errors"] = _post(client, "/ebook/opnieuw", 422, email="geen-adres")
    pages["resend-sent"] = _post(client, "/ebook/opnieuw", 200, email="anna@example.nl")
    with app.app_context():
        lead = db.session.execute(db.select(Lead).filter_by(email="anna@example.nl")).scalar_one()
        mails = db.session.execute(db.select(OutboxMail)).scalars()
        confirm = next(said.text for said in map(bodies, mails) if "/bevestig/" in said.text)
        confirm = re.search(r"(/bevestig/\S+)", confirm).group(1)
        unsubscribe = "/afmelden/" + tokens.unsubscribe_token(lead.id, lead.secret)
    pages["confirm"] = _html(client.get(confirm))
    pages["unsubscribe"] = _html(client.get(unsubscribe))
    pages["confirm-done"] = _html(client.post(confirm))
    pages["unsubscribe-done"] = _html(client.post(unsubscribe))
    return pages | _booking_pages(client, pages["advies-thanks"]), lead.id


def _booking_pages(client: FlaskClient, thanks: str) -> dict[str, str]:
    """The booking pages behind the advice request's thank-you page, hosted and framed."""
    path = re.search(r'href="(/afspraak/[^"]+)"', thanks).group(1)
    pages = {"booking": _html(client.get(path)), "booking-en": _html(client.get(f"{path}?lang=en"))}
    slot = re.search(r'name="slot" id="[^"]+" value="([^"]+)"', pages["booking"]).group(1)
    pages["booking-done"] = _html(client.post(path, data={"slot": slot}, follow_redirects=True))
    pages["booking-booked"] = _html(client.get(path))
    pages["booking-invalid"] = _html(client.post(path, data={"slot": "x"}), 422)
    pages["booking-embed"] = _html(client.get(f"/embed{path}"))
    pages["booking-unknown"] = _html(client.get("/afspraak/onbekend"), 404)
    pages["booking-embed-unknown"] = _html(client.get("/embed/afspraak/onbekend"), 404)
    return pages


def _admin_pages(client: FlaskClient, app, lead_id: int) -> dict[str, str]:
    """The staff pages, logged in."""
    with app.app_context():
        auth.create_staff("lisa@praktijk.nl", PASSWORD)
    token = CSRF.search(_html(client.get("/admin/login"))).group(1)
    login = {"csrf_token": token, "email": "lisa@praktijk.nl"}
    pages = {"admin-login-errors": _html(client.post("/admin/login", data=login), None)}
    assert client.post("/admin/login", data=login | {"password": PASSWORD}).status_code == 303
    for path in [*ADMIN, f"/admin/leads/{lead_id}", f"/admin/leads/{lead_id}/wissen"]:
        pages["admin" + re.sub(r"\W+", "-", path[6:]).rstrip("-")] = _html(client.get(path))
    pages["admin-funnel-errors"] = _html(client.get("/admin/funnel?date_from=x"), 422)
    return pages | _agenda_pages(client, app)


def _agenda_pages(client: FlaskClient, app) -> dict[str, str]:
    """The agenda with Piet's booked pain check, its day, its errors, the feed's link; his page."""
    with app.app_context():
        piet = db.session.execute(db.select(Lead).filter_by(email="piet@example.nl")).scalar_one()
    lead_page = _html(client.get(f"/admin/leads/{piet.id}"))
    day = re.search(r'href="(/admin/agenda\?dag=[^"]+)"', lead_page).group(1)
    token = CSRF.search(lead_page).group(1)
    hours = {"csrf_token": token, "adviesgesprek": "ma 25:00-26:00", "pijncheck": ""}
    blocked = {"csrf_token": token, "day": "31-02-2026"}
    return {
        "admin-lead-appointment": lead_page,
        "admin-agenda-day": _html(client.get(day)),
        "admin-agenda-week": _html(client.get("/admin/agenda?week=2026-W49")),
        "admin-agenda-bad-week": _html(client.get("/admin/agenda?week=x"), 400),
        "admin-agenda-hours-errors": _html(client.post("/admin/agenda/uren", data=hours), 422),
        "admin-agenda-day-errors": _html(
            client.post("/admin/agenda/vrije-dagen", data=blocked), 422
        ),
        "admin-agenda-feed": _html(
            client.post("/admin/agenda/abonnement", data={"csrf_token": token})
        ),
    }


def _other_pages(make_app) -> dict[str, str]:
    """The framed error page (a refusal past the rate limit) and the demo blog `make run` serves."""
    client = make_app(LEADGEN_RATE_LIMIT_FORM="1 per minute").test_client()
    client.post("/embed/advies", data={"form_token": "-"})
    blog = create_demo("http://127.0.0.1:5000").test_client()
    redirect = client.application.redirect("/ebook/bedankt?t=a&lang=en", 303)
    return {
        "redirect": redirect.get_data(as_text=True),
        "embed-error": _html(client.post("/embed/advies", data={"form_token": "-"}), 429),
        "demo-blog": _html(blog.get("/")),
        "demo-blog-plain": _html(blog.get("/iframe")),
    }


def _check(vnu: list[str], folder: Path, pages: dict[str, str]) -> dict[str, list[str]]:
    """Run vnu once over all `pages`; its errors and warnings per page name."""
    files = []
    for name, html in pages.items():
        files.append(folder / f"{name}.html")
        files[-1].write_text(html, encoding="utf-8")
    command = [*vnu, *map(str, files)]
    run = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 -- our files
    assert run.stdout, run.stderr
    found: dict[str, list[str]] = {}
    for message in json.loads(run.stdout)["messages"]:
        name = Path(message.get("url", "?")).stem
        where = f"line {message.get('lastLine', '?')}"
        found.setdefault(name, []).append(f"{where}: {message['message']}")
    return found


def test_every_page_is_valid_html(vnu, client, app, make_app, monkeypatch, tmp_path):
    monkeypatch.setattr(auth, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    pages, lead_id = _public_pages(client, app)
    pages |= _admin_pages(client, app, lead_id) | _other_pages(make_app)
    pages["control"] = pages["privacy"].replace("</main>", BROKEN + "</main>")
    found = _check(vnu, tmp_path, pages)
    assert any("alt" in message for message in found.pop("control", [])), "vnu missed the control"
    assert found == {}
