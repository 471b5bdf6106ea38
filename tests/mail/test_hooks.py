"""Before-send hooks: work a feature asks of the worker, done before the mail goes."""

from __future__ import annotations

from leadgen.mail import hooks
from tests.factories import add_mails, deliver


def test_a_hook_runs_before_its_templates_mail_is_sent(app, smtp_server):
    done: list[tuple[str, int]] = []

    def prepare(mail):
        to = mail.to_addr  # read while the claim holds the row
        return lambda: done.append((to, len(smtp_server.received)))

    hooks.before_send(app, "request_confirmation", prepare)
    add_mails(app, 2)
    add_mails(app, 1, template="ebook_link", message_id="<other@example.nl>")
    assert deliver(app).sent == 3
    # Once per mail of its template, each time before that mail reached the server.
    assert sorted(done) == [("lezer0@example.nl", 0), ("lezer1@example.nl", 1)]


def test_a_failing_hook_is_logged_and_the_mail_still_goes(app, smtp_server, caplog):
    def broken():
        raise RuntimeError("no copy today")

    hooks.before_send(app, "request_confirmation", lambda mail: broken)
    add_mails(app)
    assert deliver(app).sent == 1
    assert "before-send hook failed" in caplog.text


def test_the_ebook_registers_its_copy_for_the_link_mail(app):
    registered = app.extensions["leadgen.mail.before_send"]
    assert [hook.__module__ for hook in registered["ebook_link"]] == ["leadgen.ebook.hooks"]
