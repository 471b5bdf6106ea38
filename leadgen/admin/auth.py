"""Staff accounts and login: argon2 hashes, Flask-Login sessions with idle and absolute limits."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, session
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_user, logout_user
from sqlalchemy import delete

from leadgen.admin import audit
from leadgen.extensions import csrf, db, login_manager
from leadgen.models import Staff, StaffSession, utcnow

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
    """The logged-in staff member as Flask-Login sees it; the cookie holds `session_key`."""

    id: int
    email: str
    session_key: str
    active: bool = True

    def get_id(self) -> str:
        return self.session_key

    @property
    def is_active(self) -> bool:
        return self.active


def init_login(app: Flask) -> None:
    login_manager.login_view = "admin.login"
    login_manager.login_message = _l("Log in om verder te gaan.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)


def load_user(session_key: str) -> StaffUser | None:
    """The staff member of a session that was started here and not ended since, or None."""
    staff = db.session.execute(
        db.select(Staff)
        .join(StaffSession)
        .where(
            StaffSession.key_hash == _hash(session_key),
            StaffSession.created_at > utcnow() - timedelta(seconds=ABSOLUTE_SECONDS),
            Staff.active.is_(True),
        )
    ).scalar_one_or_none()
    return StaffUser(staff.id, staff.email, session_key) if staff else None


def _hash(session_key: str) -> str:
    # The key is random (256 bits): a plain SHA-256 cannot be reversed or guessed.
    return hashlib.sha256(session_key.encode()).hexdigest()


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
    """Log `staff` in on a fresh session (no fixation), without a remember-me cookie.

    The session is a row of its own, so logging out ends it on the server, not just in the
    browser that asked. Sessions past the absolute lifetime are cleared out on the way.
    """
    key = secrets.token_urlsafe(32)
    cutoff = utcnow() - timedelta(seconds=ABSOLUTE_SECONDS)
    db.session.execute(delete(StaffSession).where(StaffSession.created_at <= cutoff))
    db.session.add(StaffSession(key_hash=_hash(key), staff_id=staff.id))
    db.session.commit()
    session.clear()
    login_user(StaffUser(staff.id, staff.email, key), remember=False)
    now = int(time.time())
    session["admin_login_at"] = now
    session["admin_seen_at"] = now


def end_session(staff_id: int | None = None) -> None:
    """Log out and end this session for good; with `staff_id` (a deliberate logout, not a
    timeout) write it to the audit log.
    """
    if current_user.is_authenticated:
        db.session.execute(
            delete(StaffSession).where(StaffSession.key_hash == _hash(current_user.session_key))
        )
    if staff_id is not None:
        audit.record("logout", staff_id)
    db.session.commit()
    logout_user()
    session.clear()


def end_all_sessions(staff_id: int) -> None:
    """End every session of this account, in every browser (no commit)."""
    db.session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


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
        active=True,
    )
    db.session.add(staff)
    db.session.flush()
    audit.record("staff_created", None, account_id=staff.id)
    db.session.commit()
    return staff


def deactivate_staff(email: str) -> Staff:
    """Deactivate an account and end all its sessions; commit."""
    staff = db.session.execute(
        db.select(Staff).filter_by(email=normalise_email(email))
    ).scalar_one_or_none()
    if staff is None:
        raise AccountError(f"Geen account gevonden voor {normalise_email(email)}.")
    staff.active = False
    end_all_sessions(staff.id)
    audit.record("staff_deactivated", None, account_id=staff.id)
    db.session.commit()
    return staff


def list_staff() -> list[Staff]:
    return list(db.session.execute(db.select(Staff).order_by(Staff.email)).scalars())


def check_csrf() -> None:
    """Flask-WTF's session token on every staff form post, checked before anything else.

    The admin pages are the only ones that post with it (the public forms carry a signed token
    instead, leadgen/tokens.py), so the check runs for them and not app-wide
    (WTF_CSRF_CHECK_DEFAULT is off): every other request skipped it only after looking up
    its view's exemption. tests/admin/test_access.py holds every other POST route exempt.
    """
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
