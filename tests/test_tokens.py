"""Tokens in itsdangerous' format: what we sign loads with the stock serializer, and back."""

from __future__ import annotations

import pytest
from itsdangerous import BadSignature, URLSafeTimedSerializer

from leadgen import tokens

KEY = "a-secret-key-for-the-token-tests-only"

PAYLOADS = [
    [1, "0123456789abcdef0123456789abcdef"],
    [2**40, "ffffffffffffffffffffffffffffffff"],  # the most compressible secret there is
    {"f": "ebook", "t": 1764700000.123456},
    {"f": "x" * 500, "t": 1.0},  # long and repetitive: stock itsdangerous compresses this one
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_our_tokens_load_with_stock_itsdangerous_and_its_tokens_with_ours(payload):
    ours, stock = tokens.Serializer(KEY, salt="leadgen.t"), URLSafeTimedSerializer(KEY, "leadgen.t")
    assert stock.loads(ours.dumps(payload), max_age=60) == payload
    assert ours.loads(stock.dumps(payload), max_age=60) == payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_tokens_are_never_compressed(payload):
    # A compressed payload starts with "." (itsdangerous' mark); ours never carry one.
    assert not tokens.Serializer(KEY, salt="leadgen.t").dumps(payload).startswith(".")


def test_a_stock_compressed_token_still_loads():
    stock = URLSafeTimedSerializer(KEY, salt="leadgen.t")
    token = stock.dumps(PAYLOADS[-1])
    assert token.startswith(".")  # the case this test is about
    assert tokens.Serializer(KEY, salt="leadgen.t").loads(token, max_age=60) == PAYLOADS[-1]


def test_another_key_or_salt_is_refused():
    token = tokens.Serializer(KEY, salt="leadgen.t").dumps(PAYLOADS[0])
    with pytest.raises(BadSignature):
        tokens.Serializer(KEY + "x", salt="leadgen.t").loads(token)
    with pytest.raises(BadSignature):
        tokens.Serializer(KEY, salt="leadgen.other").loads(token)


def test_one_serializer_keeps_each_salts_signer_apart():
    # Signers are made once per salt and keep their derived keys: none may serve another salt.
    ours = tokens.Serializer(KEY, salt="leadgen.t")
    first, second = ours.dumps(PAYLOADS[0], salt="leadgen.a"), ours.dumps(PAYLOADS[0])
    assert URLSafeTimedSerializer(KEY, salt="leadgen.a").loads(first) == PAYLOADS[0]
    assert URLSafeTimedSerializer(KEY, salt="leadgen.t").loads(second) == PAYLOADS[0]
    with pytest.raises(BadSignature):
        ours.loads(first)
    assert ours.loads(first, salt="leadgen.a") == PAYLOADS[0]


def test_a_rotated_key_still_loads_what_the_old_one_signed():
    old = URLSafeTimedSerializer("an-old-key-for-the-token-tests", salt="leadgen.t")
    both = tokens.Serializer(["an-old-key-for-the-token-tests", KEY], salt="leadgen.t")
    for _ in range(2):  # the second time with the keys derived and kept
        assert both.loads(old.dumps(PAYLOADS[0])) == PAYLOADS[0]
        assert URLSafeTimedSerializer(KEY, salt="leadgen.t").loads(both.dumps(PAYLOADS[2]))


def test_a_signer_asked_for_another_digest_signs_with_it():
    import hashlib

    ours = tokens.Serializer(KEY, salt="leadgen.t", signer_kwargs={"digest_method": hashlib.sha256})
    stock = URLSafeTimedSerializer(
        KEY, salt="leadgen.t", signer_kwargs={"digest_method": hashlib.sha256}
    )
    assert stock.loads(ours.dumps(PAYLOADS[0])) == PAYLOADS[0]
    with pytest.raises(BadSignature):
        URLSafeTimedSerializer(KEY, salt="leadgen.t").loads(ours.dumps(PAYLOADS[0]))
