"""The download lane answers exactly as Flask would, and leaves to Flask what it cannot answer."""

from __future__ import annotations

import io
import os
import subprocess
import time

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wsgi import FileWrapper

from leadgen import tokens
from leadgen.ebook import service as ebook
from leadgen.extensions import db
from leadgen.leads import download_lane, downloads
from leadgen.leads.download_lane import DownloadLane
from leadgen.models import Lead, new_secret
from tests.ebook.conftest import needs

# Set anew for each answer: the clock's headers may tick between the two answers compared.
CLOCK = {"date", "expires"}


class Answer:
    """What a WSGI app answered: status, headers in order, body, and the environ it saw."""

    def __init__(self, wsgi_app, path: str, **builder) -> None:
        self.environ = EnvironBuilder(path=path, **builder).get_environ()
        self.environ["wsgi.file_wrapper"] = FileWrapper  # as a server gives (gunicorn: sendfile)
        started: list = []
        body = wsgi_app(
            self.environ, lambda status, headers, _exc=None: started.extend([status, headers])
        )
        try:
            self.body = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.status, self.headers = started

    def without_clock(self) -> list[tuple[str, str]]:
        return [(name, value) for name, value in self.headers if name.lower() not in CLOCK]


class CountingFlask:
    """Flask's own wsgi_app, counting the requests the lane passed on to it."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app, self.calls = wsgi_app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.wsgi_app(environ, start_response)


def lane_of(app) -> DownloadLane:
    layer = app.wsgi_app
    while not isinstance(layer, DownloadLane):
        layer = layer.wsgi_app
    return layer


@pytest.fixture
def flask(app, link) -> CountingFlask:
    """Counts from here on: the link's copy is made (through Flask) before it starts."""
    lane = lane_of(app)
    lane.wsgi_app = counting = CountingFlask(lane.wsgi_app)
    return counting


@pytest.fixture
def link(client, submit) -> str:
    """A download link whose copy is made (the first download makes it, through Flask)."""
    response = submit(name="Anna de Vries")
    path = f"/download/{response.headers['Location'].split('t=', 1)[1]}"
    first = client.get(path)
    assert first.status_code == 200
    first.close()
    return path


@pytest.mark.parametrize(
    "builder",
    [
        {},
        {"base_url": "https://leadgen.example/"},  # the HSTS header comes in
        {"query_string": "lang=en"},  # a link from an English page
    ],
    ids=["http", "https", "query"],
)
def test_the_lane_answers_as_flask_does(app, flask, link, builder):
    lane = lane_of(app)
    through_flask = Answer(flask.wsgi_app, link, **builder)
    assert flask.calls == 0
    by_lane = Answer(lane, link, **builder)
    assert flask.calls == 0  # answered by the lane itself
    assert by_lane.status == through_flask.status == "200 OK"
    assert by_lane.without_clock() == through_flask.without_clock()
    assert [n for n, _ in by_lane.headers] == [n for n, _ in through_flask.headers]
    assert by_lane.body == through_flask.body
    assert by_lane.body.startswith(b"%PDF-")
    assert by_lane.environ["leadgen.route"] == through_flask.environ["leadgen.route"]
    https = dict(by_lane.headers).get("Strict-Transport-Security")
    assert (https is not None) == ("https" in builder.get("base_url", ""))


def test_the_lane_answers_as_flask_does_behind_nginx(make_app, submit, monkeypatch):
    app = make_app(LEADGEN_X_ACCEL_PREFIX="/_copies/")
    client = app.test_client()
    response = client.post(
        "/ebook",
        data={"name": "Anna", "email": "anna@example.nl", "privacy": "y"}
        | {"form_token": _form_token(client)},
    )
    link = "/download/" + response.headers["Location"].split("t=", 1)[1]
    with app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        ebook.copy_for(lead.secret, lead.name)  # made, as the mail worker does before it mails
    lane = lane_of(app)
    through_flask = Answer(lane.wsgi_app, link)
    lane.wsgi_app = flask = CountingFlask(lane.wsgi_app)
    by_lane = Answer(lane, link)
    assert flask.calls == 0
    assert by_lane.without_clock() == through_flask.without_clock()
    assert dict(by_lane.headers)["X-Accel-Redirect"].startswith("/_copies/copies/")
    assert by_lane.body == through_flask.body == b""


def test_a_changed_copy_gets_its_own_length_modification_time_and_etag(app, flask, link):
    lane = lane_of(app)
    first = dict(Answer(lane, link).headers)
    with app.app_context():
        lead = downloads.lead_for_download(link.rsplit("/", 1)[1])
        path = ebook.made_copy(lead.owner, lead.name)
    path.write_bytes(path.read_bytes() + b"\n%% a byte more\n")
    later = time.time() + 5
    os.utime(path, (later, later))
    by_lane, through_flask = Answer(lane, link), Answer(flask.wsgi_app, link)
    assert flask.calls == 0  # Flask was asked directly, not through the lane
    assert by_lane.without_clock() == through_flask.without_clock()
    second = dict(by_lane.headers)
    assert int(second["Content-Length"]) == int(first["Content-Length"]) + 16
    assert second["ETag"] != first["ETag"]
    assert second["Last-Modified"] != first["Last-Modified"]


def test_downloads_by_the_lane_are_counted(app, client, flask, link, leads):
    for _ in range(3):
        Answer(lane_of(app), link)
    assert flask.calls == 0
    assert leads()[0].download_count == 4  # the first, through Flask, and three by the lane


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("HEAD", {}),
        ("POST", {}),
        ("GET", {"Cookie": "session=x"}),
        ("GET", {"If-None-Match": '"x"'}),
        ("GET", {"If-Modified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        ("GET", {"Range": "bytes=0-99"}),
    ],
)
def test_other_requests_go_to_flask(app, flask, link, method, headers):
    answer = Answer(lane_of(app), link, method=method, headers=headers)
    assert flask.calls == 1
    assert answer.status.split()[0] in {"200", "206", "405"}


def test_refused_links_and_copies_not_made_go_to_flask(
    app, client, submit, flask, link, monkeypatch
):
    lane = lane_of(app)
    assert Answer(lane, "/download/nonsense").status.startswith("404")
    assert Answer(lane, link + "/extra").status.startswith("404")
    monkeypatch.setattr(tokens, "download_max_age", lambda: -1)
    assert Answer(lane, link).status.startswith("410")
    monkeypatch.undo()
    assert flask.calls == 3
    response = submit(name="Bert", email="bert@example.nl")
    fresh = f"/download/{response.headers['Location'].split('t=', 1)[1]}"
    before = flask.calls
    made = Answer(lane, fresh)  # no copy yet: Flask makes it
    assert made.status == "200 OK"
    assert flask.calls == before + 1
    assert Answer(lane, fresh).status == "200 OK"
    assert flask.calls == before + 1  # made now: the lane sends it


def test_a_link_that_no_longer_matches_its_lead_gets_nothing_from_the_lane(app, flask, link):
    with app.app_context():  # what erasing a lead or renewing its secret does to its links
        db.session.execute(db.select(Lead)).scalar_one().secret = new_secret()
        db.session.commit()
    answer = Answer(lane_of(app), link)
    assert answer.status.startswith("404")
    assert flask.calls == 1
    assert b"%PDF" not in answer.body


def test_a_fault_in_the_lane_leaves_the_answer_to_flask(app, flask, link, monkeypatch, caplog):
    def broken(*_args):
        raise RuntimeError("a bug of the lane's own")

    monkeypatch.setattr(download_lane, "fill_in", broken)
    answer = Answer(lane_of(app), link)
    assert answer.status == "200 OK"
    assert answer.body.startswith(b"%PDF-")
    assert flask.calls == 1
    assert "passed to Flask" in caplog.text


def _form_token(client) -> str:
    from tests.conftest import form_token

    return form_token(client, "/ebook")


def test_the_body_is_the_file_on_disk(app, flask, link):
    with app.app_context():
        lead = downloads.lead_for_download(link.rsplit("/", 1)[1])
        on_disk = ebook.made_copy(lead.owner, lead.name).read_bytes()
    answer = Answer(lane_of(app), link)
    assert flask.calls == 0
    assert answer.body == on_disk
    assert io.BytesIO(answer.body).read(5) == b"%PDF-"


def test_qpdf_finds_nothing_wrong_with_what_the_lane_sends(app, flask, link, tmp_path):
    sent = tmp_path / "sent.pdf"
    sent.write_bytes(Answer(lane_of(app), link).body)
    assert flask.calls == 0
    checked = subprocess.run(  # noqa: S603 -- our own file, a fixed command
        [needs("qpdf"), "--check", str(sent)], capture_output=True, text=True, check=False
    )
    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output  # 2: errors, 3: warnings
    assert "No syntax or stream encoding errors found" in output
