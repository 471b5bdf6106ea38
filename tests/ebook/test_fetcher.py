"""The URL fetcher serves the guide's own files and data: URLs, and refuses everything else."""

import pytest

from leadgen.ebook.render import EBOOK_DIR, url_fetcher


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        (EBOOK_DIR / ".." / "pyproject.toml").as_uri(),
        (EBOOK_DIR / "does-not-exist.css").as_uri(),
        "file://evil.example/share/x.css",
        "http://example.org/tracker.png",
        "https://example.org/font.woff",
        "ftp://example.org/x",
    ],
)
def test_refuses_everything_outside_the_guide(url):
    with pytest.raises(ValueError, match=r"Refused|disallowed"):
        url_fetcher()(url)


def test_serves_the_guides_own_files():
    response = url_fetcher()((EBOOK_DIR / "print.css").as_uri())
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    response.close()


def test_serves_data_urls():
    response = url_fetcher()("data:text/plain,hallo")
    assert response.read() == b"hallo"
    response.close()
