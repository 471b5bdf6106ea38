"""The training guide: rendering (render), app-bound access (service) and the CLI (cli)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the e-book's mail hook; imported here so `render` alone stays free of Flask."""
    from leadgen.ebook import hooks

    hooks.init_app(app)
