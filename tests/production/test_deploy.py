"""The deployment files work: gunicorn's settings, and nginx in front with X-Accel downloads."""

from __future__ import annotations

import http.client
import os
import re
import runpy
import shutil
import signal
import ssl
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import EBOOK_FIELDS, free_port
from tests.production.conftest import ROOT, download_token, issue_tokens

DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def test_gunicorn_settings_follow_the_environment(monkeypatch):
    monkeypatch.setenv("LEADGEN_WORKERS", "3")
    monkeypatch.setenv("LEADGEN_BIND", "127.0.0.1:9999")
    monkeypatch.setenv("LEADGEN_ACCESS_LOG", "")
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert (conf["workers"], conf["bind"], conf["accesslog"]) == (3, "127.0.0.1:9999", None)
    assert conf["max_requests_jitter"] > 0
    assert conf["timeout"] >= 30


def test_before_the_first_fork_the_app_is_warmed_and_its_objects_frozen(app):
    """gunicorn's when_ready: the workers inherit drafted mails and a frozen heap."""
    import gc
    from types import SimpleNamespace

    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    server = SimpleNamespace(app=SimpleNamespace(callable=app))
    try:
        conf["when_ready"](server)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert len(app.extensions["leadgen.mail_looks"]) == 4  # two offers in two languages


def test_systemd_units_run_the_web_server_and_the_mail_worker():
    web = (DEPLOY / "systemd" / "leadgen-web.service").read_text()
    mail = (DEPLOY / "systemd" / "leadgen-mail@.service").read_text()
    assert "gunicorn -c deploy/gunicorn.conf.py wsgi:app" in web
    assert "db upgrade" in web
    assert "flask --app wsgi mail send --loop" in mail


def _site_for_test(tmp: Path, https_port: int, app_port: int, instance: str) -> Path:
    """The deploy site with this machine's ports, folders and a throwaway certificate."""
    openssl = shutil.which("openssl") or "openssl"
    key, cert = str(tmp / "key.pem"), str(tmp / "cert.pem")
    certificate = [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
    ]
    subprocess.run(  # noqa: S603 -- fixed arguments
        [openssl, *certificate, "-keyout", key, "-out", cert], check=True, capture_output=True
    )
    site = (DEPLOY / "nginx" / "leadgen.conf").read_text()
    replacements = {
        r"listen \[::\]:\d+[^;]*;": "",
        r"listen 80;": f"listen 127.0.0.1:{free_port()};",
        r"listen 443 ssl": f"listen 127.0.0.1:{https_port} ssl",
        r"server 127\.0\.0\.1:8000": f"server 127.0.0.1:{app_port}",
        r"/etc/letsencrypt/live/leadgen\.example\.nl/fullchain\.pem": str(tmp / "cert.pem"),
        r"/etc/letsencrypt/live/leadgen\.example\.nl/privkey\.pem": str(tmp / "key.pem"),
        r"/srv/leadgen/instance/ebook/": f"{instance}/ebook/",
        r"/srv/leadgen/leadgen/static/": f"{ROOT}/leadgen/static/",
        r"/var/log/nginx/": f"{tmp}/",
    }
    for pattern, value in replacements.items():
        site = re.sub(pattern, value, site)
    (tmp / "site.conf").write_text(site)
    conf = tmp / "nginx.conf"
    temp = " ".join(
        f"{kind}_temp_path {tmp}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\n"
        + "events { worker_connections 64; }\n"
        + f"http {{ include /etc/nginx/mime.types; {temp} include {tmp}/site.conf; }}\n"
    )
    return conf


def nginx_site(tmp_path: Path, instance: str) -> tuple[int, int, Path]:
    """Ports for nginx and the app behind it, and the test's nginx configuration."""
    https_port, app_port = free_port(), free_port()
    folder = tmp_path / "nginx"
    folder.mkdir()
    folder.chmod(0o755)
    return https_port, app_port, _site_for_test(folder, https_port, app_port, instance)


def _https(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    context = ssl._create_unverified_context()  # noqa: S323 -- our own throwaway certificate
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")
def test_nginx_site_proxies_and_sends_downloads_itself(make_app, serve, tmp_path, instance_dir):
    app = make_app()
    https_port, app_port, conf = nginx_site(tmp_path, instance_dir)
    check = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)  # noqa: S603
    assert check.returncode == 0, check.stderr
    serve(
        port=app_port,
        LEADGEN_PROXY_COUNT="1",
        LEADGEN_X_ACCEL_PREFIX="/_ebook",
        LEADGEN_BASE_URL=f"https://127.0.0.1:{https_port}",
    )
    nginx = subprocess.Popen([NGINX, "-c", str(conf)], start_new_session=True)  # noqa: S603
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                status, headers, _ = _https(https_port, "GET", "/ebook")
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        assert status == 200
        assert headers["strict-transport-security"] == "max-age=31536000"  # https via the proxy

        form = EBOOK_FIELDS | {"form_token": issue_tokens(app, "ebook", 1)[0]}
        post_headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://127.0.0.1:{https_port}",
        }
        status, headers, _ = _https(
            https_port, "POST", "/ebook", urlencode(form).encode(), post_headers
        )
        assert status == 303
        token = download_token(headers["location"])

        status, headers, body = _https(https_port, "GET", f"/download/{token}")
        assert status == 200
        assert body.startswith(b"%PDF")
        assert headers["content-type"] == "application/pdf"
        assert "attachment" in headers["content-disposition"]
        assert "x-accel-redirect" not in headers
        assert _https(https_port, "GET", "/_ebook/")[0] == 404  # internal only
        gzip = {"Accept-Encoding": "gzip"}
        for asset in ("/static/site.css", "/static/favicon.svg", "/embed.js"):
            status, headers, _ = _https(https_port, "GET", asset, headers=gzip)
            assert (status, headers.get("content-encoding")) == (200, "gzip"), asset

        statuses = [_https(https_port, "POST", "/ebook", b"", post_headers)[0] for _ in range(8)]
        assert 429 in statuses, "nginx limits the form posts"
    finally:
        os.killpg(nginx.pid, signal.SIGTERM)
        nginx.wait(10)
