"""Login throttling: attempts per client address, failures per account from here and anywhere."""

from __future__ import annotations

import os

from flask import Response, current_app
from flask_limiter.util import get_remote_address
from limits import parse_many

from leadgen import addresses
from leadgen.config import ConfigError
from leadgen.extensions import form_value, limiter

DEFAULT_LOGIN_LIMIT = "10 per minute;50 per hour"
# Failed logins per account from one address: a stranger elsewhere cannot lock staff out.
DEFAULT_ACCOUNT_LIMIT = "5 per 15 minutes"
# Failed logins per account from anywhere: a backstop against guessing from many addresses,
# set well above what one address may try (20 an hour), so one stranger alone never reaches it.
DEFAULT_ACCOUNT_TOTAL_LIMIT = "100 per hour"


def check_limits(config: dict) -> None:
    """Fail at start-up, in one line, on a login limit Flask-Limiter could not parse."""
    for key, default in (
        ("LEADGEN_RATE_LIMIT_LOGIN", DEFAULT_LOGIN_LIMIT),
        ("LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT", DEFAULT_ACCOUNT_LIMIT),
        ("LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT_TOTAL", DEFAULT_ACCOUNT_TOTAL_LIMIT),
    ):
        value = config.setdefault(key, os.environ.get(key) or default)
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(
                f"{key} is not a rate limit like '5 per 15 minutes': {value!r}"
            ) from None


def _login_limit() -> str:
    return current_app.config["LEADGEN_RATE_LIMIT_LOGIN"]


def _account_limit() -> str:
    return current_app.config["LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT"]


def _account_total_limit() -> str:
    return current_app.config["LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT_TOTAL"]


def _submitted_account() -> str:
    email = form_value("email")
    return "login:" + addresses.canonical(email) if email.strip() else ""


def _account_from_here() -> str:
    account = _submitted_account()
    return f"{account}|{get_remote_address()}" if account else ""


def _failed(response: Response) -> bool:
    return response.status_code != 303


def _per_account(limit, key_func):
    # Only failed attempts count against an account; a POST without an address is not one.
    return limiter.limit(
        limit,
        key_func=key_func,
        methods=["POST"],
        exempt_when=lambda: not _submitted_account(),
        deduct_when=_failed,
    )


per_address = limiter.limit(_login_limit, methods=["POST"])
per_account_here = _per_account(_account_limit, _account_from_here)
per_account = _per_account(_account_total_limit, _submitted_account)
