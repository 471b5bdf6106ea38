"""Staff accounts and login: argon2 hashes, Flask-Login sessions with idle and absolute limits."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, session
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, login_user, logout_user

from leadgen.admin import audit
from leadgen.extensions import db, login_manager
from leadgen.models import Staff, utcnow

# RFC 9106 low-memory profile (argon2-cffi's default); a hash made with other parameters is
# upgraded at the next successful login. Tests swap in a cheaper hasher.
HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 8 * 3600


class AccountError(ValueError):
    """A staff account cannot be created or changed; the message is Dutch, for the console."""


@dataclass(frozen=True)
class StaffUser(UserMixin):
    """The logged-in staff member as Flask-Login sees it; the session holds `session_token`."""

    id: int
    email: str
    session_token: str
    active: bool = True

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active


def init_login(app: Flask) -> None:
    login_manager.login_view = "admin.login"
    login_manager.login_message = _l("Log in om verder te gaan.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)


def load_user(session_token: str) -> StaffUser | None:
    staff = db.session.execute(
        db.select(Staff).filter_by(session_token=session_token, active=True)
    ).scalar_one_or_none()
    return _user(staff) if staff else None


def _user(staff: Staff) -> StaffUser:
    return StaffUser(staff.id, staff.email, staff.session_token, staff.active)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Het wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens hebben.")
    return HASHER.hash(password)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def authenticate(email: str, password: str) -> Staff | None:
    """Return the active account these credentials belong to, or None; log the attempt.

    An unknown address costs as much time as a wrong password, so the answer's timing does
    not tell which addresses have an account. A hash made with older parameters is redone.
    """
    staff = db.session.execute(
        db.select(Staff).filter_by(email=normalise_email(email))
    ).scalar_one_or_none()
    if staff is None or not staff.active:
        _verify(_dummy_hash(HASHER), password)
        return None
    if not _verify(staff.password_hash, password):
        audit.record("login_failed", staff.id)
        db.session.commit()
        return None
    if HASHER.check_needs_rehash(staff.password_hash):
        staff.password_hash = HASHER.hash(password)
    staff.last_login_at = utcnow()
    audit.record("login", staff.id)
    db.session.commit()
    return staff


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(staff: Staff) -> None:
    """Log `staff` in on a fresh session (no fixation), without a remember-me cookie."""
    session.clear()
    login_user(_user(staff), remember=False)
    now = int(time.time())
    session["admin_login_at"] = now
    session["admin_seen_at"] = now


def end_session(staff_id: int | None = None) -> None:
    """Log out; with `staff_id` (a deliberate logout, not a timeout) write it to the audit log."""
    if staff_id is not None:
        audit.record("logout", staff_id)
        db.session.commit()
    logout_user()
    session.clear()


def session_expired(now: float | None = None) -> bool:
    """Whether the session was idle too long or is older than the absolute lifetime."""
    now = time.time() if now is None else now
    login_at = session.get("admin_login_at")
    seen_at = session.get("admin_seen_at")
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return True
    return now - seen_at > IDLE_SECONDS or now - login_at > ABSOLUTE_SECONDS


def touch_session(now: float | None = None) -> None:
    session["admin_seen_at"] = int(time.time() if now is None else now)


def create_staff(email: str, password: str) -> Staff:
    """Create an active staff account; commit."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is geen e-mailadres.")
    if db.session.execute(db.select(Staff.id).filter_by(email=email)).first():
        raise AccountError(f"Er bestaat al een account voor {email}.")
    staff = Staff(
        email=email,
        password_hash=hash_password(password),
        session_token=secrets.token_urlsafe(32),
        active=True,
    )
    db.session.add(staff)
    db.session.flush()
    audit.record("staff_created", None, account_id=staff.id)
    db.session.commit()
    return staff


def deactivate_staff(email: str) -> Staff:
    """Deactivate an account and end all its sessions (a new session token); commit."""
    staff = db.session.execute(
        db.select(Staff).filter_by(email=normalise_email(email))
    ).scalar_one_or_none()
    if staff is None:
        raise AccountError(f"Geen account gevonden voor {normalise_email(email)}.")
    staff.active = False
    staff.session_token = secrets.token_urlsafe(32)
    audit.record("staff_deactivated", None, account_id=staff.id)
    db.session.commit()
    return staff


def list_staff() -> list[Staff]:
    return list(db.session.execute(db.select(Staff).order_by(Staff.email)).scalars())
