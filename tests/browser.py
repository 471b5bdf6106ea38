"""Live servers, Debian's Chromium and axe-core for the browser tests (marked `browser`).

Our app listens on 127.0.0.1 and the demo blog is opened as `localhost`: two different sites, so
the form runs in a real third-party iframe. The browser profile blocks third-party cookies the
way the Chrome setting does (`profile.cookie_controls_mode = 1`); the command-line switches that
look like they would (`--test-third-party-cookie-phaseout`, `--disable-third-party-cookies`) do
not, in Chromium 156, once a profile allows them.

The fixtures are registered for the whole suite by `tests/conftest.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from leadgen.embed.demo import create_demo
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("LEADGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCK_THIRD_PARTY_COOKIES = 1  # Chrome's "Block third-party cookies" (cookie_controls_mode)
ALLOW_THIRD_PARTY_COOKIES = 0
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _missing_browser() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"browser tests need Debian's chromium at {CHROMIUM}: run `make browser`"
    try:
        import playwright.sync_api  # noqa: F401 -- only checking that it is installed
    except ImportError:
        return "browser tests need Playwright: run `make install`"
    return ""


MISSING = _missing_browser()


def unavailable(reason: str) -> None:
    """Skip the test, or fail it on CI, where a missing tool is a broken build."""
    if IN_CI:
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


class _QuietHandler(WSGIRequestHandler):
    def log(self, *args) -> None:
        pass


class LiveServer:
    """A werkzeug server in a thread; `app` can be swapped between tests."""

    def __init__(self, host_name: str, app: Flask | None = None) -> None:
        self.app = app
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.origin = f"http://{host_name}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _wsgi(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no app"]
        return self.app(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, LiveServer]]:
    """Our app (127.0.0.1), an allowed blog and a blog that is not allowed (both `localhost`)."""
    app_server = LiveServer("127.0.0.1")
    made = {
        "app": app_server,
        "blog": LiveServer("localhost", create_demo(app_server.origin)),
        "stranger": LiveServer("localhost", create_demo(app_server.origin)),
    }
    yield made
    for server in made.values():
        server.close()


@pytest.fixture
def live(servers, make_app) -> Iterator[LiveServer]:
    """Our app on a fresh database, serving live; only the `blog` server may frame it."""
    server = servers["app"]
    server.app = make_app(LEADGEN_EMBED_ORIGINS=[servers["blog"].origin])
    yield server
    server.app = None


@pytest.fixture(scope="session")
def playwright_instance():
    if MISSING:
        unavailable(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def launch(playwright, profile: Path, cookie_controls_mode: int, locale: str = "nl-NL", **options):
    """Start Chromium on a fresh profile with the given third-party cookie setting and language."""
    (profile / "Default").mkdir(parents=True)
    prefs = {"profile": {"cookie_controls_mode": cookie_controls_mode}}
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        accept_downloads=True,
        locale=locale,
        **options,
    )


def _context(playwright, folder: Path, **options):
    context = launch(playwright, folder, BLOCK_THIRD_PARTY_COOKIES, **options)
    yield context
    context.close()


def _tab(context):
    tab = context.new_page()
    yield tab
    tab.close()


@pytest.fixture(scope="session")
def browser(playwright_instance, tmp_path_factory):
    """One Chromium for the session, blocking third-party cookies."""
    yield from _context(playwright_instance, tmp_path_factory.mktemp("chromium"))


@pytest.fixture
def page(browser):
    yield from _tab(browser)


# Resolves once the page and every frame (each its own process when cross-site) have laid
# out and painted their fonts after a resize: two animation frames after `fonts.ready`.
_PAINTED = """async () => {
  await document.fonts.ready;
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


def settle(page) -> None:
    """Wait until the page and its frames have painted, instead of for a fixed time."""
    # The frames first: a frame that reflows tells the page its new height, then the page paints.
    for frame in [*page.main_frame.child_frames, page.main_frame]:
        frame.evaluate(_PAINTED)


@pytest.fixture
def screenshot(tmp_path) -> Callable[..., Path]:
    """Return `screenshot(page, name)`: a shot for people to look at, in $LEADGEN_SCREENSHOTS.

    No test reads the shots, so without that folder nothing is taken and no time is spent.
    """
    keep = os.environ.get("LEADGEN_SCREENSHOTS")

    def take(page, name: str) -> Path | None:
        if not keep:
            return None
        # Chromium does not paint cross-site frames that are off screen, so a full-page shot
        # would show them blank: make the viewport as tall as the page instead.
        path = tmp_path / f"{name}.png"
        viewport = page.viewport_size
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": viewport["width"], "height": min(height, 6000)})
        settle(page)
        page.screenshot(path=str(path))
        page.set_viewport_size(viewport)
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
        return path

    return take


@pytest.fixture(scope="session")
def axe_source() -> Path:
    """axe-core's script, installed by `make install` from package-lock.json."""
    if not AXE.is_file():
        unavailable(f"the accessibility check needs axe-core at {AXE}: run `make install`")
    return AXE


@pytest.fixture(scope="session")
def axe_browser(playwright_instance, axe_source, tmp_path_factory):
    """A second Chromium profile that lets the test inject axe-core past our strict CSP."""
    folder = tmp_path_factory.mktemp("chromium-axe")
    yield from _context(playwright_instance, folder, bypass_csp=True)


@pytest.fixture
def axe_page(axe_browser):
    yield from _tab(axe_browser)


SERIOUS = ("serious", "critical")


def axe_violations(page, axe_source: Path) -> list[str]:
    """Run axe-core on the page as it is now; return its serious and critical findings."""
    page.add_script_tag(path=str(axe_source))
    results = page.evaluate(
        """async () => await axe.run(document, {
             runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                             "best-practice"]},
           })"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in SERIOUS
    ]
