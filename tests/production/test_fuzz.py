"""Whatever a client sends to the public endpoints: never a 500, never an invalid lead stored."""

from __future__ import annotations

import re
from urllib.parse import quote_from_bytes

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadgen import tokens
from leadgen.extensions import db
from leadgen.models import Lead
from leadgen.names import is_name

ENDPOINTS = {
    "/ebook": "ebook",
    "/advies": "advies",
    "/embed/ebook": "ebook",
    "/embed/advies": "advies",
    "/ebook/opnieuw": "opnieuw",
}
FIELDS = [
    "name",
    "email",
    "phone",
    "kind",
    "complaint",
    "health_consent",
    "privacy",
    "newsletter",
    "website",
    "source",
    "preferred_moment",
    "utm_source",
    "utm_campaign",
    "form_token",
]
PLAUSIBLE = {
    "name": ["Anna de Vries", "Zoë O’Neil", "Jan-Willem", "李小龙", "A", ""],
    "email": ["anna@example.nl", "ANNA@Example.NL ", "müller@bücher.de", "a@b", "@", ""],
    "phone": ["06 12345678", "+31 6 1234 5678", "0229-123456", "12", "+999", ""],
    "kind": ["adviesgesprek", "pijncheck", "ebook", "anders", ""],
    "privacy": ["y", "on", "", "0", "false"],
    "health_consent": ["y", ""],
    "complaint": ["Pijn onder in de rug.", "\x00\x01", "x" * 2001, ""],
    "source": ["https://blog.example.nl/rug", "javascript:alert(1)", "//evil", ""],
}
ENCODINGS = ["utf-8", "latin-1", "utf-16", "cp1252"]

VALID = {
    "ebook": [("name", "Anna de Vries"), ("email", "anna@example.nl"), ("privacy", "y")],
    "advies": [
        ("name", "Piet Jansen"),
        ("email", "piet@example.nl"),
        ("phone", "06 12345678"),
        ("kind", "pijncheck"),
        ("privacy", "y"),
    ],
    "opnieuw": [("email", "anna@example.nl")],
}
text_values = st.text(max_size=300) | st.sampled_from(["\u202e", "\ufeff", "a\r\nBcc: x"])


@st.composite
def bodies(draw) -> tuple[str, bytes, str]:
    path = draw(st.sampled_from(sorted(ENDPOINTS)))
    # Half the cases start from a valid request, then lose, repeat or spoil some of its fields.
    valid = VALID[ENDPOINTS[path]] if draw(st.booleans()) else []
    pairs = [
        (name.encode(), value.encode())
        for name, value in valid
        if draw(st.integers(0, 5)) > 0  # sometimes missing
        for _ in range(draw(st.sampled_from([1, 1, 1, 2])))  # sometimes repeated
    ]
    for name in draw(st.lists(st.sampled_from(FIELDS) | st.text(max_size=20), max_size=8)):
        if name == "form_token":
            continue
        values = PLAUSIBLE.get(name, [])
        value = draw(st.sampled_from(values) | text_values) if values else draw(text_values)
        raw = draw(
            st.sampled_from(ENCODINGS).map(lambda enc, v=value: v.encode(enc, "replace"))
            | st.binary(max_size=64)
        )
        pairs.append((name.encode("utf-8", "replace"), raw))
    token_kind = draw(st.sampled_from(["valid", "valid", "valid", "other form", "garbage", "none"]))
    if token_kind == "garbage":
        pairs.append((b"form_token", draw(st.binary(max_size=80))))
    elif token_kind != "none":
        pairs.append((b"form_token", token_kind.encode()))
    if draw(st.booleans()):
        pairs.append((b"privacy", b"y"))
    body = b"&".join(
        quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode() for k, v in pairs
    )
    if draw(st.integers(0, 30)) == 17:
        body += b"&complaint=" + b"x" * 70_000  # over the 64 KiB limit
    content_type = draw(
        st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=latin-1",
                "application/x-www-form-urlencoded; charset=utf-16",
                "text/plain",
                "multipart/form-data; boundary=xyz",
            ]
        )
    )
    return path, body, content_type


def _with_tokens(body: bytes, path: str) -> bytes:
    form = ENDPOINTS[path]
    other = "advies" if form == "ebook" else "ebook"
    return body.replace(
        b"form_token=valid", b"form_token=" + tokens.issue_form_token(form).encode()
    ).replace(b"form_token=other%20form", b"form_token=" + tokens.issue_form_token(other).encode())


def assert_valid(lead: Lead) -> None:
    assert lead.kind in ("ebook", "adviesgesprek", "pijncheck")
    assert is_name(lead.name) and len(lead.name) <= 100, lead.name
    assert validate_email(lead.email, check_deliverability=False).normalized.lower() == lead.email
    purposes = {consent.purpose for consent in lead.consents}
    assert "privacy" in purposes
    if lead.kind != "ebook":
        assert lead.phone and re.fullmatch(r"\+\d{6,15}(;ext=\d{1,10})?", lead.phone), lead.phone
    if lead.complaint:
        assert "health_data" in purposes
        assert len(lead.complaint) <= 2000
    if lead.source:
        assert lead.source.startswith(("http://", "https://"))


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_public_endpoints_survive_anything(app, client):
    @settings(
        max_examples=250,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(bodies())
    def post(case):
        path, body, content_type = case
        with app.app_context():
            body = _with_tokens(body, path)
        response = client.post(path, data=body, headers={"Content-Type": content_type})
        assert response.status_code < 500, (path, body[:300], response.status_code)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1

    seen: dict[int, int] = {}
    post()
    assert seen.get(303) and seen.get(422), f"the fuzz should reach both outcomes: {seen}"
    with app.app_context():
        leads = db.session.execute(db.select(Lead)).scalars().all()
        for lead in leads:
            try:
                assert_valid(lead)
            except EmailNotValidError as error:
                pytest.fail(f"stored an invalid e-mail address {lead.email!r}: {error}")
