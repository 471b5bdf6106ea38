"""The app-bound service and `flask ebook build`, through the application factory."""

from pathlib import Path

from pypdf import PdfReader

from leadgen.config import PRACTICE_DEFAULTS
from leadgen.ebook import service
from leadgen.ebook.render import DEFAULT_PRACTICE


def test_practice_comes_from_the_config(make_app):
    app = make_app(LEADGEN_PRACTICE_NAME="Praktijk Noord", LEADGEN_PRACTICE_CITY="Den Helder")
    with app.app_context():
        practice = service.practice()
        assert (practice.name, practice.city) == ("Praktijk Noord", "Den Helder")
        assert service.cache_dir() == Path(app.instance_path) / "ebook"


def test_cli_build_prints_pages_bytes_and_seconds(app):
    result = app.test_cli_runner().invoke(args=["ebook", "build"])
    assert result.exit_code == 0, result.output
    assert "pagina's" in result.output and "bytes" in result.output
    with app.app_context():
        built = service.build()
        assert built.cached
        copy = service.copy_for("eigenaar-van-deze-kopie-00000000", "Anna de Vries")
    assert len(PdfReader(copy).pages) == built.pages + 1


def test_the_default_practice_is_the_configured_default(make_app, monkeypatch):
    for key in PRACTICE_DEFAULTS:
        monkeypatch.delenv(key, raising=False)
    with make_app().app_context():
        assert service.practice() == DEFAULT_PRACTICE
