"""The access log names routes, never the tokens in download, opt-in and unsubscribe links."""

from __future__ import annotations

import subprocess
import time
from urllib.parse import urlencode

import pytest

from leadgen import tokens
from leadgen.extensions import db
from leadgen.models import Lead
from tests.conftest import EBOOK_FIELDS
from tests.production.conftest import download_token, issue_tokens, post_form, request
from tests.production.test_deploy import NGINX, _https, nginx_site


def _log_once_written(server, expected: list[str]) -> str:
    """The access log once every expected line is in it.

    A worker writes its line after the answer has gone, so the next request, served by another
    worker, can be logged first: counting lines is not enough, each expected one is waited for.
    """
    deadline = time.monotonic() + 10
    while True:
        log = "\n".join(line for line in server.log.read_text().splitlines() if '"' in line)
        if all(line in log for line in expected) or time.monotonic() > deadline:
            return log
        time.sleep(0.05)


def test_tokens_stay_out_of_the_access_log(make_app, serve):
    app = make_app()
    server = serve(LEADGEN_ACCESS_LOG="-")
    fields = EBOOK_FIELDS | {"form_token": issue_tokens(app, "ebook", 1)[0]}
    status, headers, _ = post_form(server.port, "/ebook", fields)
    assert status == 303
    download = download_token(headers["location"])
    with app.app_context():
        lead = db.session.execute(db.select(Lead)).scalar_one()
        unsubscribe = tokens.unsubscribe_token(lead.id, lead.secret)
        # A consent that does not exist: the page answers 404, and its token must not be logged.
        confirm = tokens.issue_lead_token("confirm", lead.id + 1000, lead.secret)
    visits = [
        ("GET", headers["location"], 200),  # the thank-you page: the token in its query
        ("GET", f"/download/{download}", 200),
        ("GET", f"/download/{download}/extra", 404),  # a mangled link
        ("POST", f"/download/{download}", 405),  # no route for this method: no rule to name
        ("GET", f"/afmelden/{unsubscribe}", 200),
        ("GET", f"/bevestig/{confirm}", 404),
        ("GET", "/healthz", 200),
    ]
    for method, path, expected in visits:
        assert request(server.port, method, path)[0] == expected, path

    expected = [
        '"POST /ebook" 303',
        '"GET /ebook/bedankt" 200',
        '"GET /download/<token>" 200',
        '"GET /download/<path:token>" 404',
        '"POST /download/..." 405',
        '"GET /afmelden/<token>" 200',
        '"GET /bevestig/<token>" 404',
        '"GET /healthz" 200',
    ]
    log = _log_once_written(server, expected)
    for token in (download, unsubscribe, confirm):
        assert token not in log
    for line in expected:
        assert line in log, log


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")
def test_tokens_stay_out_of_the_nginx_log(make_app, serve, tmp_path, instance_dir):
    app = make_app()
    https_port, app_port, conf = nginx_site(tmp_path, instance_dir)
    base = f"https://127.0.0.1:{https_port}"
    serve(
        port=app_port,
        LEADGEN_PROXY_COUNT="1",
        LEADGEN_X_ACCEL_PREFIX="/_ebook",
        LEADGEN_BASE_URL=base,
    )
    nginx = subprocess.Popen([NGINX, "-c", str(conf)], start_new_session=True)  # noqa: S603
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                _https(https_port, "GET", "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        form = EBOOK_FIELDS | {"form_token": issue_tokens(app, "ebook", 1)[0]}
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": base}
        status, answer, _ = _https(https_port, "POST", "/ebook", urlencode(form).encode(), headers)
        assert status == 303
        token = download_token(answer["location"])
        visits = [
            ("GET", answer["location"], 200),
            ("GET", f"/download/{token}", 200),  # the app says where, nginx sends the file
            ("POST", f"/download/{token}", 405),
            ("GET", "/static/site.css", 200),  # nginx alone
        ]
        for method, path, expected in visits:
            status, answer, _ = _https(https_port, method, path)
            assert status == expected, path
            assert "x-leadgen-route" not in answer
    finally:
        nginx.terminate()
        nginx.wait(10)
    log = (conf.parent / "leadgen.access.log").read_text()
    assert token not in log
    for line in (
        '"POST /ebook" 303',
        '"GET /ebook/bedankt" 200',
        '"GET /download/<token>" 200',
        '"POST /download/..." 405',
        '"GET /static/..." 200',
    ):
        assert line in log, log
