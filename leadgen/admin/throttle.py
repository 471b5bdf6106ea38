"""Login throttling: attempts per client address, failures per account from here and anywhere.

The limits are settings, read and checked at start in leadgen/config.py.
"""

from __future__ import annotations

from flask import Response, current_app
from flask_limiter.util import get_remote_address

from leadgen import addresses
from leadgen.extensions import form_value, limiter


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
