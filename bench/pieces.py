"""Instructions per call of each part of a submission, and of the baselines, in one valgrind run.

bench/instructions.py counts a whole request (2.5 minutes a route). This says where they go: the
app is started once under callgrind, then each part below is called a number of times between
two client requests, CALLGRIND_ZERO_STATS before and CALLGRIND_DUMP_STATS_AT after, so each
dump holds that part's instructions only. A minute for the lot:

    .venv/bin/python bench/pieces.py                          # SQLite
    .venv/bin/python bench/pieces.py --database postgresql    # on a throwaway database

The client requests come from a tiny C helper built here with the system's C compiler against
valgrind's own header (valgrind/callgrind.h, in Debian's `valgrind`). Outside valgrind they do
nothing, so the parts also run as plain Python (`--inner N`; tests/test_bench_pieces.py).
Run it alone, as bench/instructions.py: clock-driven work runs more often on a busy machine.
"""

from __future__ import annotations

import argparse
import ctypes
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import postgres  # noqa: E402

VALGRIND, CC = shutil.which("valgrind"), shutil.which("cc") or shutil.which("gcc")
HELPER = """#include <valgrind/callgrind.h>
void zero(void) { CALLGRIND_ZERO_STATS; }
void dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
"""
CALLS = 40  # per part, after 3 to warm up


class Counter:
    """Marks where a part's count starts and ends (no-ops outside valgrind or without helper)."""

    def __init__(self, helper: str | None, calls: int) -> None:
        self.lib = ctypes.CDLL(helper) if helper else None
        self.calls = calls

    def part(self, label: str, call: Callable[[], object]) -> None:
        for _ in range(3):
            call()
        if self.lib:
            self.lib.zero()
        for _ in range(self.calls):
            call()
        if self.lib:
            self.lib.dump(f"{label}|{self.calls}".encode())
        print(label, flush=True)


def parts(counter: Counter, run: str) -> None:
    """Call each part: whole requests first, then leadgen's steps inside one valid POST."""
    from bench.profile_requests import environment

    environment(Path(os.environ.get("PIECES_TMP") or tempfile.mkdtemp(prefix="leadgen-pieces-")))
    from flask import Flask

    from bench import bare
    from leadgen import create_app, driver, tokens
    from leadgen.extensions import db, limiter
    from leadgen.leads import drafts, guard, service, views

    app = create_app()
    app.add_url_rule("/nothing", "nothing", lambda: ("", 204))  # before its first request
    with app.app_context():
        db.create_all()
        form_tokens = [tokens.issue_form_token("ebook") for _ in range(20 * counter.calls)]
    numbers = itertools.count()
    origin = {"Origin": app.config["LEADGEN_BASE_URL"]}

    def body() -> dict:
        n = next(numbers)
        return {
            "name": "Bench Proef",
            "email": f"pieces-{run}-{n}@example.nl",
            "privacy": "y",
            "form_token": form_tokens[n % len(form_tokens)],
        }

    client = app.test_client()

    def submit() -> None:
        answer = client.post("/ebook", data=body(), headers=origin)
        if answer.status_code != 303:
            raise SystemExit(f"pieces: /ebook answered {answer.status_code}")

    counter.part("submission (whole request)", submit)
    limiter.enabled = False
    counter.part("submission, the two limits off", submit)
    limiter.enabled = True
    recorded = service.record_request
    service.record_request = lambda req: service.Outcome(1, "ebook", True, "-", "-")
    counter.part("submission, nothing recorded", submit)
    service.record_request = recorded
    counter.part("empty route, leadgen", lambda: client.get("/nothing"))

    bare.prepare(os.environ["BENCH_DB"])
    baseline = bare.create()
    plain = Flask("plain")
    plain.add_url_rule("/nothing", "nothing", lambda: ("", 204))
    floor_token, bare_client = bare.floor_token(), baseline.test_client()
    for label, path, extra in (
        ("stack floor (whole request)", "/stack/insert", {"privacy": "y", "form_token": ""}),
        ("floor (whole request)", "/floor/insert", {"form_token": ""}),
        ("bare insert (whole request)", "/insert", {}),
    ):
        fields = {
            key: floor_token if key == "form_token" else value for key, value in extra.items()
        }
        counter.part(
            label,
            lambda path=path, fields=fields: bare_client.post(
                path,
                data={"name": "Bench Proef", "email": f"b-{run}-{next(numbers)}@x.nl"} | fields,
            ),
        )
    plain_client = plain.test_client()
    counter.part("empty route, plain Flask", lambda: plain_client.get("/nothing"))

    with app.test_request_context("/ebook", method="POST", data=body(), headers=origin):
        form_class = views.POSTED["ebook"]
        counter.part("form made", form_class)
        form = form_class()
        counter.part("form checked (address seen before)", form.validate)
        counter.part("stack floor's form made", bare.StackForm)
        counter.part("stack floor's form checked", bare.StackForm().validate)
        counter.part("form token checked", lambda: tokens.check_form_token(form_tokens[0], "ebook"))
        counter.part("origin checked", guard.origin_allowed)
        form.validate()
        counter.part("request read from the form", lambda: views._request_from(form, "ebook"))
        request = views._request_from(form, "ebook")
        shape = service._expected_shape(request)
        counter.part("mails drafted", lambda: drafts.draft(shape, request.lang))
        counter.part("a link signed", lambda: tokens.issue_lead_token("download", 1, "0" * 32))

        def record() -> None:
            form.email.data = f"record-{run}-{next(numbers)}@example.nl"
            service.record_request(views._request_from(form, "ebook"))

        counter.part("request recorded (record_request)", record)
        if db.engine.dialect.name == "postgresql":

            def connection() -> None:
                with driver.autocommit(db.engine):
                    pass

            counter.part("pooled autocommit connection", connection)


def measure(settings: dict, database: str) -> int:
    with tempfile.TemporaryDirectory(prefix="leadgen-pieces-") as tmp:
        helper = Path(tmp) / "marks.so"
        (Path(tmp) / "marks.c").write_text(HELPER)
        subprocess.run(  # noqa: S603 -- the system's C compiler on our own helper
            [CC, "-O2", "-shared", "-fPIC", "-o", str(helper), str(Path(tmp) / "marks.c")],
            check=True,
        )
        env = os.environ | settings | {"PYTHONPATH": str(ROOT), "BENCH_FILE": os.devnull}
        env |= {"PIECES_TMP": tmp}
        done = subprocess.run(  # noqa: S603 -- our own script under valgrind
            [
                VALGRIND,
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/callgrind.out",
                sys.executable,
                __file__,
                "--inner",
                str(CALLS),
                "--helper",
                str(helper),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"pieces: the run failed:\n{done.stderr[-2000:]}")
        print(f"instructions per call ({database}), {CALLS} calls each:")
        for label, per_call in counted(Path(tmp)):
            print(f"  {label:<40} {per_call / 1000:9.1f} k")
    return 0


def counted(folder: Path) -> list[tuple[str, float]]:
    """(label, instructions per call) from each dump callgrind wrote at a client request."""
    found = []
    dumps = folder.glob("callgrind.out.*")
    for dump in sorted(dumps, key=lambda path: int(path.suffix[1:] or 0)):
        text = dump.read_text()
        mark = re.search(r"Client Request: (.*)\|(\d+)", text)
        total = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
        if mark and total:
            found.append((mark.group(1), int(total.group(1)) / int(mark.group(2))))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--inner", type=int, help=argparse.SUPPRESS)  # the parts, counted
    parser.add_argument("--helper", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.inner is not None:
        parts(Counter(options.helper, options.inner), os.environ.get("PIECES_RUN", "run"))
        return 0
    if VALGRIND is None or CC is None:
        raise SystemExit("pieces: needs valgrind and a C compiler (Debian's valgrind and gcc)")
    run = {"PIECES_RUN": f"p{os.getpid()}"}
    with postgres.throwaway(options.database, "pieces") as (settings, name):
        return measure(run | settings, name)


if __name__ == "__main__":
    sys.exit(main())
