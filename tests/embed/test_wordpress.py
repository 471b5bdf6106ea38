"""The plugin on a real WordPress (Debian 12's), installed from leadgen's own zip.

An Author publishes posts with the shortcodes; Chromium, set to English and blocking third-party
cookies, reads them on the Dutch blog. Set-up in tests/embed/wordpress.py; `make wordpress`
installs what it needs.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import urllib.request
import zipfile
from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from leadgen.extensions import db
from leadgen.models import Lead
from tests.browser import unavailable
from tests.embed import wordpress as wp
from tests.embed.test_browser import PHONE, assert_fits, embedded
from tests.embed.test_language import DUTCH_HEADING, ENGLISH_HEADING

pytestmark = [pytest.mark.browser, pytest.mark.wordpress]

EBOOK_POST = (
    "<!-- wp:paragraph --><p>Train je heupen.</p><!-- /wp:paragraph -->\n"
    '<!-- wp:shortcode -->[leadgen form="ebook"]<!-- /wp:shortcode -->\n'
    # What the README's snippet gives in an Author's post: WordPress must strip it.
    '<script>window.authorScript = true;</script><noscript><a href="#">nee</a></noscript>'
)
ADVIES_POST = (
    "<!-- wp:paragraph --><p>Twijfel je?</p><!-- /wp:paragraph -->\n"
    '<!-- wp:paragraph --><p>[leadgen form="advies"]</p><!-- /wp:paragraph -->\n'
    '<!-- wp:shortcode -->[leadgen form="ebook" lang="en"]<!-- /wp:shortcode -->'
)


@pytest.fixture(scope="module")
def wordpress(tmp_path_factory) -> Iterator[wp.WordPress]:
    reason = wp.missing()
    if reason:
        unavailable(reason)
    folder = tmp_path_factory.mktemp("wordpress")
    mariadb = wp.MariaDB(folder)
    site = wp.WordPress(folder, mariadb)
    yield site
    site.close()
    mariadb.close()


@pytest.fixture
def blog(wordpress, servers, make_app):
    """leadgen live with the blog allowed, and the plugin installed from its zip and active."""
    app_server = servers["app"]
    app_server.app = make_app(
        LEADGEN_BASE_URL=app_server.origin, LEADGEN_EMBED_ORIGINS=[wordpress.origin]
    )
    url = f"{app_server.origin}/embed/wordpress/leadgen.zip"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 -- our server
        archive = zipfile.ZipFile(io.BytesIO(response.read()))
    shutil.rmtree(wordpress.plugins / "leadgen", ignore_errors=True)
    archive.extractall(wordpress.plugins)
    result = wordpress.php(
        # Each test starts from the zip's address: an earlier test may have saved another one.
        "delete_option( 'leadgen_address' );\n"
        "require_once ABSPATH . 'wp-admin/includes/plugin.php';\n"
        "$error = activate_plugin( 'leadgen/leadgen.php' );\n"
        "echo is_wp_error( $error ) ? $error->get_error_message() : 'active';"
    )
    assert result == "active"
    yield wordpress
    app_server.app = None


def leads(app) -> list[Lead]:
    with app.app_context():
        return list(db.session.execute(db.select(Lead).order_by(Lead.id)).scalars())


def test_wordpress_keeps_the_authors_shortcodes_and_strips_the_scripts(blog, servers):
    post = blog.publish_as_author("Sterke heupen", EBOOK_POST)
    assert '[leadgen form="ebook"]' in post.raw
    assert "<script" not in post.raw and "<noscript" not in post.raw  # the snippet would be lost

    page = blog.get(post.link)
    assert '<html lang="nl-NL"' in page
    assert '<div class="leadgen-form" data-leadgen-form="ebook">' in page
    # Without the script, a link to the hosted form; in Dutch, from the plugin's own catalog.
    href, text = re.search(
        r'data-leadgen-form="ebook"><a href="([^"]+)">([^<]+)</a></div>', page
    ).groups()
    url = urlsplit(html.unescape(href))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{servers['app'].origin}/ebook"
    assert parse_qs(url.query) == {"source": [post.link]}
    assert text == "Vraag het gratis e-book aan"
    assert f"<script src='{servers['app'].origin}/embed.js' id='leadgen-embed-js'></script>" in page
    # kses keeps the text between the tags it strips, but never the tags.
    assert "<script>window.authorScript" not in page and "<noscript>" not in page


def test_an_authors_post_shows_the_dutch_form_that_fits_and_delivers_the_pdf(
    blog, english_page, servers
):
    post = blog.publish_as_author("Sterke heupen", EBOOK_POST)
    page = english_page  # Accept-Language: en-US, on a Dutch blog
    page.set_viewport_size(PHONE)
    page.goto(post.link)
    iframe, frame = embedded(page, "ebook")
    frame.get_by_role("heading", name=DUTCH_HEADING).wait_for()
    assert_fits(iframe, frame)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_fits(iframe, frame)

    frame.get_by_label("Naam").fill("Anna de Vries")
    frame.get_by_label("E-mailadres").fill("anna@example.nl")
    frame.locator("#privacy").check()
    frame.get_by_role("button", name="Stuur mij het e-book").click()
    frame.get_by_role("heading", name="Bedankt! Je e-book staat klaar").wait_for()
    iframe, frame = embedded(page, "ebook")
    assert_fits(iframe, frame)
    with page.expect_download(timeout=120_000) as download:
        frame.get_by_role("link", name="Download je e-book (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    [lead] = leads(servers["app"].app)
    assert (lead.kind, lead.email, lead.source) == ("ebook", "anna@example.nl", post.link)


def test_the_advice_shortcode_and_one_with_lang_in_a_paragraph_and_a_block(blog, english_page):
    post = blog.publish_as_author("Liever overleggen?", ADVIES_POST)
    page = english_page
    page.goto(post.link)
    iframe, frame = embedded(page, "advies")
    assert frame.evaluate("document.documentElement.lang") == "nl"
    assert_fits(iframe, frame)
    _, english = embedded(page, "ebook")
    english.get_by_role("heading", name=ENGLISH_HEADING).wait_for()


def test_the_settings_page_refuses_a_bad_address_and_uninstall_removes_it(blog, servers):
    result = blog.php(
        "update_option( 'leadgen_address', 'javascript:alert(1)' );\n"
        "echo get_option( 'leadgen_address' ), \"\\n\";\n"
        "update_option( 'leadgen_address', 'https://elders.example.nl/' );\n"
        "echo get_option( 'leadgen_address' ), \"\\n\";\n"
        "global $wpdb;\n"
        "$stored = \"SELECT COUNT(*) FROM $wpdb->options WHERE option_name = 'leadgen_address'\";\n"
        'echo $wpdb->get_var( $stored ), "\\n";\n'
        "require_once ABSPATH . 'wp-admin/includes/plugin.php';\n"
        "uninstall_plugin( 'leadgen/leadgen.php' );\n"
        "echo $wpdb->get_var( $stored );"
    )
    assert result.splitlines() == [servers["app"].origin, "https://elders.example.nl", "1", "0"]


def test_the_settings_page_in_the_dashboard_keeps_only_a_web_address(blog, page, servers):
    # The browser is shared: a cookie from the other database's WordPress (same host, another
    # port) must not meet this login.
    page.context.clear_cookies()
    settings = f"{blog.origin}/wp-admin/options-general.php?page=leadgen"
    # Straight to the settings page: the dashboard is WordPress's heaviest page, and under the
    # full suite's load it once took `php -S` over 30 s.
    page.goto(f"{blog.origin}/wp-login.php?redirect_to={quote(settings, safe='')}")
    page.locator("#user_login").fill("beheer")
    page.locator("#user_pass").fill(blog.admin_password)
    page.locator("#wp-submit").click()
    page.locator("#wpadminbar").wait_for(timeout=60_000)
    assert page.url == settings
    field = page.get_by_label("Adres van leadgen")  # the plugin's Dutch, on a Dutch dashboard
    assert field.input_value() == servers["app"].origin

    field.fill("ftp://bestanden.example.nl")
    page.locator("#submit").click()
    page.get_by_text(
        "Vul het adres van leadgen in als webadres dat begint met https://."
    ).wait_for()
    assert page.get_by_label("Adres van leadgen").input_value() == servers["app"].origin

    page.get_by_label("Adres van leadgen").fill("https://nieuw.example.nl/")
    page.locator("#submit").click()
    page.get_by_text("Instellingen opgeslagen.").wait_for()
    assert page.get_by_label("Adres van leadgen").input_value() == "https://nieuw.example.nl"
