"""What staff need to put the forms on a blog: the snippets per form, and who may frame them.

The same text as docs/embedding.md; the admin builds it from the settings, never from the
request, so the snippets name leadgen's external address even behind a proxy.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

# The embed's forms (leadgen/embed): the name in the snippet and shortcode, its title here, and
# the link that stands in for it on the blog. That link is text for the practice's Dutch blog,
# the same as embed.js's own, so it stays Dutch when staff read this page in English.
FORMS = {
    "ebook": (_l("Gratis e-book"), "Vraag het gratis e-book aan"),
    "advies": (
        _l("Gratis adviesgesprek of pijncheck"),
        "Vraag een gratis adviesgesprek of pijncheck aan",
    ),
}


@dataclass(frozen=True)
class Snippets:
    form: str
    title: str
    script: str
    placeholder: str
    shortcode: str
    preview: str


def address() -> str:
    """leadgen's external address, as the blog must write it."""
    return current_app.config["LEADGEN_BASE_URL"]


def theme_script() -> str:
    """The script tag a theme adds once, for the placeholders."""
    return f'<script src="{address()}/embed.js" async></script>'


def snippets(lang: str) -> list[Snippets]:
    """Per form: the script snippet, the placeholder, the shortcode and the preview's URL."""
    base = address()
    made = []
    for form, (title, link) in FORMS.items():
        hosted = f'<a href="{base}/{form}">{link}</a>'
        made.append(
            Snippets(
                form=form,
                title=str(title),
                script=(
                    f'<script src="{base}/embed.js" data-form="{form}" async></script>\n'
                    f"<noscript>{hosted}</noscript>"
                ),
                placeholder=f'<div data-leadgen-form="{form}">{hosted}</div>',
                shortcode=f'[leadgen form="{form}"]',
                preview=f"/embed/{form}?lang={lang}",
            )
        )
    return made


def origins() -> list[str]:
    """The blogs that may show the forms (LEADGEN_EMBED_ORIGINS)."""
    return list(current_app.config["LEADGEN_EMBED_ORIGINS"])
