"""`make run`'s server in Chromium: the demo blog and its framed forms load, time after time.

Chromium opens speculative connections that may never carry a request; a worker that waits on
one cannot serve anyone else, so with sync workers and no buffering proxy in front the pages and
frames stalled for 30 s and more after a few navigations. This starts the server as `make run`
does (gunicorn -c deploy/gunicorn.conf.py, two workers) and the demo blog as `make run` does.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import AXE
from tests.conftest import free_port
from tests.production.conftest import ROOT, Server, request

NAVIGATIONS = 10
SHOWN_WITHIN_MS = 10_000  # a form that is not there by then has stalled (sync workers: 30 s+)
BLOG_PAGES = ["/", "/iframe", "/?utm_source=nieuwsbrief&utm_campaign=heupen"]


@pytest.fixture
def demo_blog(serve, make_app) -> Iterator[tuple[Server, str]]:
    """leadgen under gunicorn as `make run` starts it, and the demo blog beside it."""
    make_app()  # the schema
    blog_port = free_port()
    blog_origin = f"http://localhost:{blog_port}"
    server = serve(LEADGEN_WORKERS="2", LEADGEN_EMBED_ORIGINS=blog_origin)
    blog = subprocess.Popen(  # noqa: S603 -- fixed arguments
        [sys.executable, "-m", "leadgen.embed.demo", "--port", str(blog_port)],
        cwd=ROOT,
        env={"LEADGEN_BASE_URL": server.origin, "PATH": "/usr/bin:/bin"},
    )
    try:
        deadline = time.monotonic() + 30
        while request(blog_port, "GET", "/")[0] != 200:
            assert blog.poll() is None and time.monotonic() < deadline, (
                "the demo blog did not start"
            )
            time.sleep(0.1)
        yield server, blog_origin
    finally:
        blog.terminate()
        blog.wait(10)


def test_make_run_starts_gunicorn_with_the_deploy_settings():
    """The server below is the one `make run` starts: the same command, two workers."""
    makefile = (ROOT / "Makefile").read_text()
    serve = re.search(r"^SERVE := (.+)$", makefile, re.MULTILINE)
    assert serve and serve.group(1) == "$(BIN)/gunicorn -c deploy/gunicorn.conf.py wsgi:app"
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "LEADGEN_WORKERS=2 $(SERVE)" in recipe
    assert "--worker" not in recipe and " -k " not in recipe  # nothing overrides the class


@pytest.mark.browser
def test_the_demo_blog_and_its_forms_keep_loading(page, demo_blog):
    server, blog_origin = demo_blog
    for number in range(NAVIGATIONS):
        path = BLOG_PAGES[number % len(BLOG_PAGES)]
        page.goto(blog_origin + path, wait_until="domcontentloaded")
        frames = page.locator("article iframe")
        frames.first.wait_for(timeout=SHOWN_WITHIN_MS)
        for index in range(frames.count()):
            form = frames.nth(index).content_frame.locator("form.lead-form")
            form.wait_for(state="visible", timeout=SHOWN_WITHIN_MS)
        # The hosted form between two visits of the blog, as a visitor who follows a link.
        if number % 3 == 2:
            page.goto(server.origin + "/advies", wait_until="commit", timeout=SHOWN_WITHIN_MS)
            page.locator("form.lead-form").wait_for(state="visible", timeout=SHOWN_WITHIN_MS)


STAND_IN = """#!/bin/sh
# Stands in for a program of `make run`: a one-off command ends at once; a server or a loop runs
# until a signal stops it, as the real ones do. Its own path stays in its arguments.
case "$*" in
  *"db upgrade"*|*"ebook build"*) exit 0 ;;
esac
exec python3 -c "$WAIT" "$0" "$@"
"""
WAIT = "import time\ntry:\n    time.sleep(300)\nexcept KeyboardInterrupt:\n    pass"


def test_ctrl_c_stops_all_of_make_run_cleanly(tmp_path):
    """Ctrl+C (SIGINT to the terminal's process group) ends the server, the mail worker and the
    demo blog, and make reports no crash. The recipe's old trap (`kill 0` on INT, TERM and
    EXIT) signalled its own shell from inside the trap, and dash crashed ("Segmentation fault")."""
    for name in ("flask", "python", "gunicorn"):
        stub = tmp_path / name
        stub.write_text(STAND_IN)
        stub.chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()
    untouched = {path: path.stat().st_mtime_ns for path in (ROOT / "Makefile", AXE)}
    make = subprocess.Popen(  # noqa: S603 -- fixed arguments
        [
            shutil.which("make") or "/usr/bin/make",
            "--no-print-directory",
            "run",
            f"STAMP={stamp}",
            f"AXE={stamp}",  # newer than package.json: nothing to install
            "CATALOGS=",
            f"BIN={tmp_path}",
            f"FLASK={tmp_path}/flask",
            f"SERVE={tmp_path}/gunicorn",
        ],
        cwd=ROOT,
        env=os.environ | {"WAIT": WAIT},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    try:
        deadline = time.monotonic() + 20
        while len(_running(tmp_path)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_running(tmp_path)) == 3, _running(tmp_path)
        os.killpg(make.pid, signal.SIGINT)
        output, _ = make.communicate(timeout=20)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
    assert "Segmentation fault" not in output, output
    deadline = time.monotonic() + 5
    while _running(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running(tmp_path) == [], "left running after Ctrl+C"
    # Nothing was installed: an `npm ci` here would empty node_modules under the browser tests
    # running beside this one (it did, on a fresh clone, where the Makefile stood in for axe).
    assert {path: path.stat().st_mtime_ns for path in untouched} == untouched


def _running(folder: Path) -> list[str]:
    """The command lines of the stand-ins in `folder` that are running."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            entry.name.isdigit()
            and args[0].endswith(b"python3")
            and str(folder).encode() in b" ".join(args)
        ):
            found.append(b" ".join(args).decode())
    return found
