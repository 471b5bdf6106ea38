"""The app-bound service and `flask ebook build`, through the application factory."""

from pathlib import Path

from pypdf import PdfReader

from leadgen.ebook import service


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
