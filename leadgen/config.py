"""Settings: defaults in code, overridden by LEADGEN_* environment variables, checked at start."""

from __future__ import annotations

import itertools
import os
import secrets
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from sqlalchemy.engine import make_url

from leadgen.hours import GRID_MINUTES, HoursError, parse_hours

#: The practice the guide and the mails speak for, unless LEADGEN_* says otherwise: the blog's
#: own values; the phone number and booking URL are placeholders.
PRACTICE_DEFAULTS = {
    "LEADGEN_PRACTICE_NAME": "Neuroreset Fysiotherapie",
    "LEADGEN_PRACTICE_AUTHOR": "Jerry",
    "LEADGEN_PRACTICE_CITY": "Hoorn",
    "LEADGEN_PRACTICE_PHONE": "0229 000 000",
    "LEADGEN_BOOKING_URL": "https://www.example.nl/afspraak",
    # Where a pain check takes place, in calendar invitations; empty: the name and the city.
    "LEADGEN_PRACTICE_ADDRESS": "",
}

#: How many mails the follow-up series has written (templates/mail/followup_<n>.*): at most
#: this many days in LEADGEN_FOLLOWUP_DAYS.
FOLLOWUP_MAILS = 3

SMTP_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
# Every rate limit, with its default. Failed logins per account from one address: a stranger
# elsewhere cannot lock staff out. Per account from anywhere: a backstop against guessing from
# many addresses, set well above what one address may try (20 an hour), so one stranger alone
# never reaches it.
RATE_LIMITS = {
    "LEADGEN_RATE_LIMIT_FORM": "10 per minute;60 per hour",
    "LEADGEN_RATE_LIMIT_EMAIL": "5 per hour",
    "LEADGEN_RATE_LIMIT_LOGIN": "10 per minute;50 per hour",
    "LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT": "5 per 15 minutes",
    "LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT_TOTAL": "100 per hour",
}


#: Appointments: weekly hours per call kind (docs/appointments.md), until staff change them in
#: the admin, and the length of one moment.
HOURS_DEFAULTS = {
    "adviesgesprek": "ma-vr 12:00-13:00",
    "pijncheck": "di,do 16:00-18:00; za 09:00-11:00",
}
SLOT_MINUTES_DEFAULTS = {"adviesgesprek": 20, "pijncheck": 30}


class ConfigError(RuntimeError):
    """A setting is wrong; the message is one line that says which and why."""


@dataclass(frozen=True)
class SmtpSettings:
    """LEADGEN_SMTP_URL, taken apart."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpSettings:
    """Read `smtp://`, `smtp+starttls://` or `smtps://` [user[:password]@]host[:port]."""
    parts = urlsplit(url)
    if parts.scheme not in SMTP_PORTS:
        raise ConfigError("LEADGEN_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("LEADGEN_SMTP_URL has a port that is not a number") from None
    if not parts.hostname:
        raise ConfigError("LEADGEN_SMTP_URL names no host, e.g. smtp+starttls://mail.example.nl")
    return SmtpSettings(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or SMTP_PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _origin(name: str, raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ConfigError(f"{name} needs origins like https://blog.example.nl, got {raw!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _secret_key(instance_path: Path, given: str | None) -> str:
    """Return the configured key, or a key generated once into the instance folder (mode 0600)."""
    key = given or os.environ.get("LEADGEN_SECRET_KEY")
    if key:
        if len(key) < 16:
            raise ConfigError("LEADGEN_SECRET_KEY must be at least 16 characters long")
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def from_environment(instance_path: Path, overrides: dict) -> dict:
    """Build the configuration from the environment (and `.env`), then apply `overrides`."""
    env = os.environ.get
    database_url = env("LEADGEN_DATABASE_URL") or f"sqlite:///{instance_path / 'leadgen.db'}"
    if not database_url.startswith(("sqlite:", "postgresql")):
        raise ConfigError(
            "LEADGEN_DATABASE_URL must be sqlite:///… or postgresql+psycopg://…, "
            f"got {database_url.split(':', 1)[0]!r}"
        )
    base_url = env("LEADGEN_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    _origin("LEADGEN_BASE_URL", base_url)
    smtp_url = env("LEADGEN_SMTP_URL", "")
    redis_url = env("LEADGEN_REDIS_URL", "")
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("LEADGEN_REDIS_URL must start with redis:// or rediss://")
    origins = [
        _origin("LEADGEN_EMBED_ORIGINS", item)
        for item in env("LEADGEN_EMBED_ORIGINS", "").split(",")
        if item.strip()
    ]
    config = {
        "SECRET_KEY": _secret_key(instance_path, overrides.get("SECRET_KEY")),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LEADGEN_BASE_URL": base_url,
        "LEADGEN_SMTP_URL": smtp_url,
        "LEADGEN_SMTP_TIMEOUT": _int("LEADGEN_SMTP_TIMEOUT", 10, minimum=1),
        "LEADGEN_MAIL_FROM": env(
            "LEADGEN_MAIL_FROM", "Neuroreset Fysiotherapie <noreply@example.nl>"
        ),
        "LEADGEN_STAFF_EMAIL": env("LEADGEN_STAFF_EMAIL", "praktijk@example.nl"),
        "LEADGEN_EMBED_ORIGINS": origins,
        "LEADGEN_REDIS_URL": redis_url,
        "LEADGEN_DOWNLOAD_TTL_DAYS": _int("LEADGEN_DOWNLOAD_TTL_DAYS", 30, minimum=1),
        "LEADGEN_COUNT_FLUSH_SECONDS": _int("LEADGEN_COUNT_FLUSH_SECONDS", 5),
        "LEADGEN_RETENTION_DAYS": _int("LEADGEN_RETENTION_DAYS", 365, minimum=1),
        "LEADGEN_MIN_FILL_SECONDS": _int("LEADGEN_MIN_FILL_SECONDS", 2),
        "LEADGEN_FORM_MAX_AGE_SECONDS": _int("LEADGEN_FORM_MAX_AGE_SECONDS", 4 * 3600, minimum=60),
        **{key: env(key) or default for key, default in RATE_LIMITS.items()},
        "LEADGEN_PROXY_COUNT": _int("LEADGEN_PROXY_COUNT", 0),
        "LEADGEN_X_ACCEL_PREFIX": env("LEADGEN_X_ACCEL_PREFIX", ""),
        # The practice's time zone: its days (a view counted "today") and its office hours.
        "LEADGEN_TIMEZONE": env("LEADGEN_TIMEZONE") or "Europe/Amsterdam",
        # How often each web process writes the page views it counted (docs/funnel.md).
        "LEADGEN_VIEW_FLUSH_SECONDS": _int("LEADGEN_VIEW_FLUSH_SECONDS", 10, minimum=1),
        **{key: env(key, default) for key, default in PRACTICE_DEFAULTS.items()},
        **{
            f"LEADGEN_HOURS_{kind.upper()}": env(f"LEADGEN_HOURS_{kind.upper()}", default)
            for kind, default in HOURS_DEFAULTS.items()
        },
        **{
            f"LEADGEN_SLOT_MINUTES_{kind.upper()}": _int(
                f"LEADGEN_SLOT_MINUTES_{kind.upper()}", default, minimum=GRID_MINUTES
            )
            for kind, default in SLOT_MINUTES_DEFAULTS.items()
        },
        "LEADGEN_BOOKING_NOTICE_HOURS": _int("LEADGEN_BOOKING_NOTICE_HOURS", 2),
        "LEADGEN_BOOKING_DAYS": _int("LEADGEN_BOOKING_DAYS", 21, minimum=1),
        "LEADGEN_BOOKING_CAPACITY": _int("LEADGEN_BOOKING_CAPACITY", 1, minimum=1),
        "LEADGEN_FOLLOWUP_DAYS": env("LEADGEN_FOLLOWUP_DAYS", "2,7,14"),
        "LEADGEN_DIGEST_TIME": env("LEADGEN_DIGEST_TIME", "08:00"),
    }
    # Dates and times on pages and in mails are the practice's, not the server's.
    config["BABEL_DEFAULT_TIMEZONE"] = config["LEADGEN_TIMEZONE"]
    config.update(overrides)
    return config


def check(config: dict) -> None:
    """Fail at start-up, in one line, on settings that would only break at the first request.

    What is taken apart here is stored that way: `LEADGEN_SMTP` holds the parsed SMTP URL
    (None without one), `LEADGEN_FOLLOWUP` the series' days (empty: off), `LEADGEN_DIGEST` the
    digest's time of day (None: off), so no feature parses them again.
    """
    smtp_url = config["LEADGEN_SMTP_URL"]
    config["LEADGEN_SMTP"] = parse_smtp_url(smtp_url) if smtp_url else None
    config["LEADGEN_TZ"] = parse_timezone(config["LEADGEN_TIMEZONE"])
    config["LEADGEN_FOLLOWUP"] = parse_followup_days(config["LEADGEN_FOLLOWUP_DAYS"])
    config["LEADGEN_DIGEST"] = parse_digest_time(config["LEADGEN_DIGEST_TIME"])
    _check_database(config["SQLALCHEMY_DATABASE_URI"])
    for key in RATE_LIMITS:
        _check_rate_limit(key, config[key])
    _check_appointments(config)


def _check_appointments(config: dict) -> None:
    """Check the hours and slot lengths; `LEADGEN_HOURS` holds the parsed hours."""
    config["LEADGEN_HOURS"] = {}
    for kind in HOURS_DEFAULTS:
        key = f"LEADGEN_HOURS_{kind.upper()}"
        try:
            config["LEADGEN_HOURS"][kind] = parse_hours(config[key] or "")
        except HoursError as error:
            raise ConfigError(
                f"{key}: {error} (e.g. 'ma-vr 12:00-13:00; za 09:00-11:00')"
            ) from None
        minutes = config[f"LEADGEN_SLOT_MINUTES_{kind.upper()}"]
        if not isinstance(minutes, int) or minutes % GRID_MINUTES or not 0 < minutes <= 240:
            raise ConfigError(
                f"LEADGEN_SLOT_MINUTES_{kind.upper()} must be a multiple of {GRID_MINUTES} "
                f"minutes up to 240, got {minutes!r}"
            )


def parse_timezone(name: str) -> ZoneInfo:
    """LEADGEN_TIMEZONE as a zone of the tz database, e.g. Europe/Amsterdam."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"LEADGEN_TIMEZONE is not a time zone like Europe/Amsterdam: {name!r}"
        ) from None


def parse_followup_days(raw: str) -> tuple[int, ...]:
    """LEADGEN_FOLLOWUP_DAYS: rising whole days after the request, e.g. 2,7,14; empty is off."""
    if not raw.strip():
        return ()
    example = "e.g. 2,7,14, or empty to send no series"
    try:
        days = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise ConfigError(f"LEADGEN_FOLLOWUP_DAYS takes whole days, {example}: {raw!r}") from None
    if len(days) > FOLLOWUP_MAILS:
        raise ConfigError(
            f"LEADGEN_FOLLOWUP_DAYS names {len(days)} days; the series has {FOLLOWUP_MAILS} mails"
        )
    if days[0] < 1 or any(later <= earlier for earlier, later in itertools.pairwise(days)):
        raise ConfigError(f"LEADGEN_FOLLOWUP_DAYS must rise from day 1 on, {example}: {raw!r}")
    return days


def parse_digest_time(raw: str) -> time | None:
    """LEADGEN_DIGEST_TIME as HH:MM in the practice's time zone; empty is off."""
    if not raw.strip():
        return None
    try:
        hours, minutes = (int(part) for part in raw.strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ConfigError(
            f"LEADGEN_DIGEST_TIME must be a time like 08:00, or empty for no digest: {raw!r}"
        ) from None


def _check_database(url: str) -> None:
    if url.startswith("postgresql") and "+psycopg" not in url:
        raise ConfigError("PostgreSQL URLs must name the driver: postgresql+psycopg://…")
    folder = sqlite_folder(url)
    if folder is not None and not folder.is_dir():
        # SQLite creates the file but not its folder; unchecked, every request would answer 503.
        raise ConfigError(f"LEADGEN_DATABASE_URL: the folder {folder} does not exist")


def _check_rate_limit(key: str, value: str) -> None:
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{key} is not a rate limit like '5 per 15 minutes': {value!r}") from None


def sqlite_folder(url: str) -> Path | None:
    """The folder of a SQLite database file, or None for PostgreSQL and in-memory databases."""
    if not url.startswith("sqlite"):
        return None
    parsed = make_url(url)
    database = parsed.database or ""
    if database.startswith("file:") and parsed.query.get("uri") == "true":
        database = urlsplit(database).path  # sqlite:///file:/srv/x.db?mode=ro&uri=true
    if database in ("", ":memory:"):
        return None
    return Path(database).parent
