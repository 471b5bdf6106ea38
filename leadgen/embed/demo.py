"""A stand-in for the practice's blog, on another origin, with the embed snippet in a post.

`make run` serves it on http://localhost:5001; the browser tests serve it on a free port.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, render_template

# The project's templates folder, where the demo post lives beside the embed's pages.
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def create_demo(app_url: str | None = None) -> Flask:
    """Create the demo blog; `app_url` is where leadgen runs (default: LEADGEN_BASE_URL)."""
    demo = Flask(__name__, template_folder=str(TEMPLATES), static_folder=None)
    app_url = (app_url or os.environ.get("LEADGEN_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")

    @demo.get("/")
    def post():
        return render_template("embed/demo_blog.html", app_url=app_url, plain=False)

    @demo.get("/iframe")
    def plain_iframe():
        return render_template("embed/demo_blog.html", app_url=app_url, plain=True)

    return demo


def main() -> None:
    """Serve the demo blog on 127.0.0.1 (`python -m leadgen.embed.demo --port 5001`)."""
    import argparse

    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args) -> None:
            pass  # the app's own log shows what the demo's iframes ask for

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=5001)
    port = parser.parse_args().port
    server = make_server(
        "127.0.0.1", port, create_demo(), threaded=True, request_handler=QuietHandler
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
