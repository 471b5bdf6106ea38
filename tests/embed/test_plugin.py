"""The WordPress plugin: its PHP source, and the zip served at /embed/wordpress/leadgen.zip."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zipfile

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from leadgen.embed import plugin
from tests.browser import unavailable

URL = "/embed/wordpress/leadgen.zip"
ADDRESS = "https://formulieren.praktijk.nl"
PHP_FILES = sorted(path for path in plugin.SOURCE.rglob("*.php"))
# A string given to WordPress's translation functions with the plugin's text domain.
TRANSLATED = re.compile(
    r"(?:__|_e|esc_html__|esc_html_e|esc_attr__)\(\s*'((?:[^'\\]|\\.)*)',\s*'leadgen'"
)


@pytest.fixture
def app(make_app):
    return make_app(LEADGEN_BASE_URL=ADDRESS, SECRET_KEY="s3cr3t-k3y-that-must-not-leak")


@pytest.fixture(scope="module")
def php() -> str:
    found = shutil.which("php")
    if not found:
        unavailable("the WordPress plugin's PHP check needs php-cli: run `make wordpress`")
    return found


def served(client) -> zipfile.ZipFile:
    response = client.get(URL)
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_zip_is_served_as_a_cacheable_download(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="leadgen.zip"'
    assert response.cache_control.public and response.cache_control.max_age == 3600
    assert "Set-Cookie" not in response.headers
    etag = response.headers["ETag"]
    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data


def test_the_zip_holds_the_plugin_folder_with_our_address_and_no_secret(client, app):
    archive = served(client)
    assert sorted(archive.namelist()) == [
        "leadgen/languages/leadgen-nl_NL.mo",
        "leadgen/languages/leadgen-nl_NL.po",
        "leadgen/leadgen.php",
        "leadgen/readme.txt",
        "leadgen/uninstall.php",
    ]
    main = archive.read("leadgen/leadgen.php").decode()
    assert f"define( 'LEADGEN_DEFAULT_ADDRESS', '{ADDRESS}' );" in main
    assert "leadgen.example.nl" not in main
    for name in archive.namelist():
        content = archive.read(name)
        assert app.config["SECRET_KEY"].encode() not in content
        assert b"postgresql" not in content and b"sqlite" not in content


def test_the_bytes_depend_only_on_source_and_address(client):
    first = client.get(URL).data
    plugin.build.cache_clear()
    assert client.get(URL).data == first
    other, _ = plugin.build("https://elders.example.nl")
    assert other != first
    for info in zipfile.ZipFile(io.BytesIO(first)).infolist():
        assert info.date_time == plugin.DATE
        assert info.external_attr >> 16 == 0o100644


def test_the_dutch_catalog_is_compiled_into_the_zip(client):
    archive = served(client)
    compiled = archive.read("leadgen/languages/leadgen-nl_NL.mo")
    catalog = read_mo(io.BytesIO(compiled))
    assert catalog.get("Request the free e-book").string == "Vraag het gratis e-book aan"
    # WordPress's reader wants the (empty) hash table right after the two index tables.
    count, originals, translations, hash_size, hash_at = struct.unpack_from("<5I", compiled, 8)
    assert (translations, hash_size, hash_at) == (
        originals + 8 * count,
        0,
        translations + 8 * count,
    )


def test_every_string_of_the_plugin_has_a_dutch_translation():
    used = set()
    for path in PHP_FILES:
        used |= {text.replace("\\'", "'") for text in TRANSLATED.findall(path.read_text())}
    assert "Request the free e-book" in used  # the pattern does find them
    with (plugin.SOURCE / "languages" / "leadgen-nl_NL.po").open("rb") as source:
        catalog = read_po(source)
    missing = [text for text in used if not (catalog.get(text) and catalog.get(text).string)]
    assert missing == []


def test_the_plugin_follows_wordpress_conventions():
    main = (plugin.SOURCE / "leadgen.php").read_text()
    header = dict(re.findall(r"^ \* ([A-Za-z ]+):\s+(.+)$", main, re.MULTILINE))
    assert header["Plugin Name"] == "Leadgen forms"
    assert header["Text Domain"] == "leadgen" and header["Requires at least"] == "6.1"
    readme = (plugin.SOURCE / "readme.txt").read_text()
    assert readme.startswith("=== Leadgen forms ===\n")
    assert f"Stable tag: {header['Version']}\n" in readme
    for section in ("Description", "Installation", "Frequently Asked Questions", "Changelog"):
        assert f"\n== {section} ==\n" in readme
    # The script is enqueued, never written into the page.
    assert "wp_enqueue_script( 'leadgen-embed' )" in main
    assert "<script" not in main.lower()
    assert "add_shortcode( 'leadgen', 'leadgen_shortcode' )" in main
    uninstall = (plugin.SOURCE / "uninstall.php").read_text()
    assert "WP_UNINSTALL_PLUGIN" in uninstall and "delete_option( 'leadgen_address' )" in uninstall


def run_php(php: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([php, *args], capture_output=True, text=True, check=False)  # noqa: S603


@pytest.mark.parametrize("path", PHP_FILES, ids=lambda path: path.name)
def test_php_lint_of_the_source(php, path):
    result = run_php(php, "-l", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_php_lint_of_the_served_main_file(php, client, tmp_path):
    main = tmp_path / "leadgen.php"
    main.write_bytes(served(client).read("leadgen/leadgen.php"))
    result = run_php(php, "-l", str(main))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("value", ["https://a.example.nl", "it's", "back\\slash\\", "\\'"])
def test_addresses_become_php_strings_that_php_reads_back(php, value):
    code = f"echo {plugin.php_string(value)};"
    result = run_php(php, "-r", code)
    assert (result.returncode, result.stdout) == (0, value)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_are_refused(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 405
