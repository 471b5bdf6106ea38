"""Which parent a framed form may post its height to, and the frame-ancestors header."""

from __future__ import annotations

import pytest

from leadgen.embed import policy

ALLOWED = ["https://blog.example.nl", "http://localhost:5001"]
OWN = "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://blog.example.nl", "https://blog.example.nl"),
        ("https://blog.example.nl/", "https://blog.example.nl"),
        ("HTTPS://Blog.Example.NL", "https://blog.example.nl"),
        ("http://localhost:5001", "http://localhost:5001"),
        ("http://127.0.0.1:5000", OWN),
    ],
)
def test_allowed_parent_is_returned_normalized(raw, expected):
    assert policy.parent_origin(raw, OWN, ALLOWED) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "*",
        "null",
        "https://evil.example",
        "https://blog.example.nl.evil.example",
        "http://blog.example.nl",  # another scheme is another origin
        "http://localhost:5002",
        "https://blog.example.nl/post",
        "https://blog.example.nl?x=1",
        "https://blog.example.nl#top",
        "https://user@blog.example.nl",
        "https://blog.example.nl:notaport",
        "javascript:alert(1)",
        "blog.example.nl",
        "https://" + "a" * 300 + ".nl",
    ],
)
def test_other_parents_are_refused(raw):
    assert policy.parent_origin(raw, OWN, ALLOWED) is None


def test_frame_ancestors_lists_self_and_the_allowed_origins():
    assert policy.frame_ancestors(ALLOWED) == (
        "frame-ancestors 'self' https://blog.example.nl http://localhost:5001"
    )
    assert policy.frame_ancestors([]) == "frame-ancestors 'self'"
