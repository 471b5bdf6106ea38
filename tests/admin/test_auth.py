"""Login: argon2 with rehash, throttling, fresh sessions, idle and absolute timeouts, logout."""

from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher

from leadgen.admin import auth
from leadgen.config import ConfigError
from leadgen.models import AuditEntry, Staff
from tests.factories import PASSWORD, csrf_token, login, post_form


def test_login_page_is_dutch_and_has_no_remember_me(client):
    page = client.get("/admin/login").get_data(as_text=True)
    assert "Inloggen voor medewerkers" in page
    assert 'autocomplete="current-password"' in page
    assert "remember" not in page


def test_correct_password_logs_in_and_lands_on_the_dashboard(client, staff):
    response = login(client, staff.email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_email_is_matched_without_regard_to_case_or_spaces(client, staff):
    assert login(client, "  LISA@Praktijk.nl ").status_code == 303


def test_wrong_password_is_refused_in_dutch(client, staff):
    response = login(client, staff.email, "verkeerd-wachtwoord")
    assert response.status_code == 200
    assert "horen niet bij elkaar" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_unknown_address_gets_the_same_answer_as_a_wrong_password(client, staff):
    unknown = login(client, "niemand@example.nl").get_data(as_text=True)
    wrong = login(client, staff.email, "verkeerd-wachtwoord").get_data(as_text=True)
    assert "horen niet bij elkaar" in unknown and "horen niet bij elkaar" in wrong


def test_deactivated_account_cannot_log_in(client, create_staff):
    gone = create_staff(email="oud@praktijk.nl", active=False)
    assert login(client, gone.email).status_code == 200


def test_login_without_csrf_token_is_refused(client, staff):
    response = client.post("/admin/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_hash_made_with_old_parameters_is_redone_at_login(app, client, staff, read):
    old = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=16, salt_len=8)
    with app.app_context():
        row = auth.db.session.get(Staff, staff.id)
        row.password_hash = old.hash(PASSWORD)
        auth.db.session.commit()
    assert login(client, staff.email).status_code == 303
    [row] = read(Staff, id=staff.id)
    assert not auth.HASHER.check_needs_rehash(row.password_hash)
    assert row.password_hash.startswith("$argon2id$")


def test_login_starts_a_fresh_session(client, staff):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, staff.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_login_sets_no_remember_cookie(client, staff):
    response = login(client, staff.email)
    assert "remember_token" not in response.headers.get("Set-Cookie", "")


def test_session_cookie_is_httponly_and_lax(client, staff):
    cookie = login(client, staff.email).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def login_then(client, email: str, target: str):
    page = "/admin/login?next=" + target
    return post_form(client, page, "/admin/login", email=email, password=PASSWORD, next=target)


def test_login_returns_to_the_page_asked_for(client, staff):
    assert login_then(client, staff.email, "/admin/leads").headers["Location"] == "/admin/leads"


def test_login_never_returns_to_another_site(client, staff):
    response = login_then(client, staff.email, "//evil.example/admin")
    assert response.headers["Location"] == "/admin/"


def test_idle_session_expires_after_thirty_minutes(staff_client):
    with staff_client.session_transaction() as session:
        session["admin_seen_at"] = int(time.time()) - auth.IDLE_SECONDS - 5
    response = staff_client.get("/admin/leads")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
    assert staff_client.get("/admin/leads").status_code == 302  # and it stays logged out


def test_activity_keeps_the_session_alive(staff_client):
    with staff_client.session_transaction() as session:
        session["admin_seen_at"] = int(time.time()) - auth.IDLE_SECONDS + 60
    assert staff_client.get("/admin/leads").status_code == 200
    with staff_client.session_transaction() as session:
        assert session["admin_seen_at"] >= int(time.time()) - 5


def test_session_ends_after_the_absolute_lifetime_even_when_active(staff_client):
    with staff_client.session_transaction() as session:
        session["admin_login_at"] = int(time.time()) - auth.ABSOLUTE_SECONDS - 5
    assert staff_client.get("/admin/leads").status_code == 302


def test_deactivating_an_account_ends_its_session(app, staff_client, staff):
    with app.app_context():
        auth.deactivate_staff(staff.email)
    assert staff_client.get("/admin/leads").status_code == 302


def test_logout_needs_a_post_with_csrf(staff_client):
    assert staff_client.get("/admin/logout").status_code == 405
    assert staff_client.post("/admin/logout").status_code == 400
    response = post_form(staff_client, "/admin/", "/admin/logout")
    assert response.status_code == 303
    assert staff_client.get("/admin/").status_code == 302


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, staff_client):
    copied = _session_cookie(staff_client)
    post_form(staff_client, "/admin/", "/admin/logout")
    replay = app.test_client()
    replay.set_cookie("session", copied)
    response = replay.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


def test_logout_ends_only_this_browsers_session(app, client, staff):
    other = app.test_client()
    login(client, staff.email)
    login(other, staff.email)
    post_form(client, "/admin/", "/admin/logout")
    assert client.get("/admin/").status_code == 302
    assert other.get("/admin/").status_code == 200


def test_deactivation_ends_every_session_of_the_account(app, client, staff, create_staff):
    colleague = create_staff(email="joop@praktijk.nl")
    other, theirs = app.test_client(), app.test_client()
    login(client, staff.email)
    login(other, staff.email)
    login(theirs, colleague.email)
    with app.app_context():
        auth.deactivate_staff(staff.email)
    assert client.get("/admin/").status_code == 302
    assert other.get("/admin/").status_code == 302
    assert theirs.get("/admin/").status_code == 200


def test_the_session_key_is_not_stored_in_the_clear(app, staff_client, read):
    from leadgen.models import StaffSession

    with staff_client.session_transaction() as session:
        key = session["_user_id"]
    [row] = read(StaffSession)
    assert key not in row.key_hash
    assert len(key) >= 32


def test_logins_failures_and_logouts_are_audited(client, staff, read):
    login(client, staff.email, "verkeerd-wachtwoord")
    login(client, staff.email)
    post_form(client, "/admin/", "/admin/logout")
    actions = [entry.action for entry in read(AuditEntry, staff_id=staff.id)]
    assert actions == ["login_failed", "login", "logout"]


@pytest.mark.parametrize("via", ["config", "environment"])
def test_login_is_throttled_per_address(make_app, create_staff, monkeypatch, via):
    if via == "environment":
        monkeypatch.setenv("LEADGEN_RATE_LIMIT_LOGIN", "3 per minute")
        app = make_app()
    else:
        app = make_app(LEADGEN_RATE_LIMIT_LOGIN="3 per minute")
    client = app.test_client()
    statuses = [login(client, f"x{n}@example.nl", "fout-wachtwoord").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "Even rustig aan" in login(client, "x@example.nl").get_data(as_text=True)


WRONG = "fout-wachtwoord"


def attempt(app, address: str, password: str = WRONG, email: str = "lisa@praktijk.nl"):
    """One login from `address`, in a browser of its own."""
    client = app.test_client()
    token = csrf_token(client, "/admin/login")
    return client.post(
        "/admin/login",
        data={"csrf_token": token, "email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_a_stranger_cannot_lock_the_staff_member_out(make_app):
    app = make_app()  # the defaults: 5 failures per account and address in 15 minutes
    with app.app_context():
        auth.create_staff("lisa@praktijk.nl", PASSWORD)
    stranger = [attempt(app, "203.0.113.9").status_code for _ in range(6)]
    assert stranger == [200, 200, 200, 200, 200, 429]
    assert attempt(app, "203.0.113.9", PASSWORD).status_code == 429  # not even the right one
    assert attempt(app, "198.51.100.7", PASSWORD).status_code == 303  # from the practice


def test_the_staff_member_mistyping_is_held_back_from_their_own_address(make_app):
    app = make_app(LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT="2 per 15 minutes")
    with app.app_context():
        auth.create_staff("lisa@praktijk.nl", PASSWORD)
        auth.create_staff("bert@praktijk.nl", PASSWORD)
    statuses = [attempt(app, "198.51.100.7").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # The limit is on this account from here: a colleague at the same desk still gets in.
    assert attempt(app, "198.51.100.7", PASSWORD, email="bert@praktijk.nl").status_code == 303


def test_an_account_has_a_ceiling_across_addresses(make_app):
    app = make_app(LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT_TOTAL="3 per hour")
    with app.app_context():
        auth.create_staff("lisa@praktijk.nl", PASSWORD)
    statuses = [attempt(app, f"203.0.113.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert attempt(app, "203.0.113.200", email="LISA@praktijk.nl ").status_code == 429


def test_the_ceiling_is_above_what_one_address_may_try():
    from limits import parse

    from leadgen.config import RATE_LIMITS

    per_address = parse(RATE_LIMITS["LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT"])
    ceiling = parse(RATE_LIMITS["LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT_TOTAL"])
    hour = 3600
    one_address = per_address.amount * hour / per_address.get_expiry()
    assert ceiling.amount * hour / ceiling.get_expiry() > 2 * one_address


def test_successful_logins_do_not_use_up_the_account_limit(make_app):
    app = make_app(LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT="2 per 15 minutes")
    with app.app_context():
        auth.create_staff("lisa@praktijk.nl", PASSWORD)
    for _ in range(4):
        assert login(app.test_client(), "lisa@praktijk.nl").status_code == 303


@pytest.mark.parametrize(
    "key",
    [
        "LEADGEN_RATE_LIMIT_LOGIN",
        "LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT",
        "LEADGEN_RATE_LIMIT_LOGIN_ACCOUNT_TOTAL",
    ],
)
def test_a_wrong_login_limit_fails_at_start_in_one_line(make_app, key):
    with pytest.raises(ConfigError, match=f"{key} is not a rate limit"):
        make_app(**{key: "vaak"})


def test_an_oversize_login_leaves_the_rate_limit_storage_in_use(client):
    from leadgen.extensions import limiter

    response = client.post("/admin/login", data={"email": "a@example.nl", "x": "A" * 70_000})
    assert response.status_code == 413
    assert limiter._storage_dead is False
