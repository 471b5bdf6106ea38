"""Where a submission's and a download's time goes: cProfile over the Flask test client.

Runs in-process on a fresh SQLite database (or LEADGEN_DATABASE_URL), with the bench's settings:
N valid e-book submissions, then N downloads of one cached copy. Prints wall time per request
without the profiler, then each part's cumulative time per request under the profiler, and how
long the write transaction (BEGIN to COMMIT) lasted. `--top` prints the heaviest functions too.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (label, module path suffix, function name): cumulative time per request, as cProfile sees it.
SUBMISSION_PARTS = [
    ("whole request (wsgi_app)", "flask/app.py", "wsgi_app"),
    ("database driver commit (fsync)", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("form token check", "leadgen/tokens.py", "check_form_token"),
    ("two rate limits (Flask-Limiter)", "flask_limiter/_extension.py", "_check_request_limit"),
    ("form validation (WTForms)", "wtforms/form.py", "validate"),
    ("  address normalisation", "leadgen/addresses.py", "normalise"),
    ("  address canonical (limit key)", "leadgen/addresses.py", "canonical"),
    ("record_request (write transaction)", "leadgen/leads/service.py", "record_request"),
    ("mail rendering (messages.render)", "leadgen/mail/messages.py", "render"),
    ("  flushes (ORM unit of work)", "sqlalchemy/orm/session.py", "flush"),
    ("  commit", "sqlalchemy/orm/session.py", "commit"),
    ("redirect + url_for", "flask/helpers.py", "url_for"),
    ("security headers (after_request)", "leadgen/site/views.py", "_security_headers"),
]
DOWNLOAD_PARTS = [
    ("whole request (wsgi_app)", "flask/app.py", "wsgi_app"),
    ("link check (token + read)", "leadgen/leads/downloads.py", "lead_for_download"),
    ("  token signature", "leadgen/tokens.py", "read_lead_token"),
    ("copy lookup (copy_for)", "leadgen/ebook/service.py", "copy_for"),
    ("send_file", "flask/helpers.py", "send_file"),
    ("count (record_download)", "leadgen/leads/downloads.py", "record_download"),
    ("  database driver commit (fsync)", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("  commit", "sqlalchemy/orm/session.py", "commit"),
    ("security headers (after_request)", "leadgen/site/views.py", "_security_headers"),
]


def environment(tmp: Path) -> None:
    os.environ.update(
        LEADGEN_INSTANCE_PATH=str(tmp / "instance"),
        LEADGEN_SECRET_KEY="bench-secret-key-long-enough-for-leadgen",  # noqa: S106 -- throwaway
        LEADGEN_BASE_URL="http://127.0.0.1:8000",
        LEADGEN_MIN_FILL_SECONDS="0",
        LEADGEN_RATE_LIMIT_FORM="1000000 per minute",
        LEADGEN_RATE_LIMIT_EMAIL="1000000 per minute",
        LEADGEN_X_ACCEL_PREFIX="",
        LEADGEN_REDIS_URL="",
    )
    os.environ.setdefault("LEADGEN_DATABASE_URL", f"sqlite:///{tmp / 'leadgen.db'}")


class TransactionClock:
    """Sums the time from each write BEGIN to its COMMIT or ROLLBACK (the lock is held)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.total, self.count, self._start = 0.0, 0, None
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, connection) -> None:
        if not connection.get_execution_options().get("leadgen_read"):
            self._start = time.perf_counter()

    def _end(self, _connection) -> None:
        if self._start is not None:
            self.total += time.perf_counter() - self._start
            self.count += 1
            self._start = None


def part_times(profile: cProfile.Profile, parts, n: int) -> list[tuple[str, float]]:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    out = []
    for label, path, func in parts:
        total = sum(
            ct
            for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
            if name == func and filename.endswith(path)
        )
        out.append((label, total / n * 1000))
    return out


def submit_body(token: str, n: int, run: str) -> dict:
    return {
        "name": "Bench Proef",
        "email": f"prof-{run}-{n}@example.nl",
        "privacy": "y",
        "form_token": token,
    }


def cpu_per_request(call, n: int) -> float:
    """Milliseconds of this process's CPU per call, the best of three rounds of n."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(n):
            call()
        best = min(best, (time.process_time() - started) / n * 1000)
    return best


def compare_cpu(tmp: Path, n: int, client, submit, link: str) -> None:
    """CPU per request of each leadgen route and its bare baseline, in this process.

    On a 2-core machine under load the throughput ratios of `make bench` follow these CPU ratios
    (the load generator and gunicorn add the same to both sides), and CPU time hardly moves when
    other work shares the machine, so this shows a change's effect where the bench cannot.
    """
    from bench import bare

    os.environ["BENCH_DB"] = str(tmp / "bare.db")
    os.environ["BENCH_FILE"] = str(next((tmp / "instance").rglob("*.pdf")))
    bare.prepare(os.environ["BENCH_DB"])
    plain = bare.create().test_client()
    emails = iter(range(10**9))

    def bare_insert():
        body = {"name": "Bench Proef", "email": f"{next(emails)}@bare.example.nl"}
        answer = plain.post("/insert", data=body)
        assert answer.status_code == 303

    floor_token = bare.floor_token()

    def floor_insert():
        body = {"name": "Bench Proef", "email": f"{next(emails)}@vloer.example.nl"}
        answer = plain.post("/floor/insert", data=body | {"form_token": floor_token})
        assert answer.status_code == 303

    rows = (
        ("form page", lambda: client.get("/ebook"), lambda: plain.get("/page"), None),
        ("submission", lambda: submit("c"), bare_insert, floor_insert),
        (
            "cached download",
            lambda: client.get(f"/download/{link}"),
            lambda: plain.get("/file"),
            lambda: plain.get(f"/floor/download/{floor_token}"),
        ),
    )
    print(f"CPU per request in this process, best of 3 x {n} (ratio: bare / leadgen):")
    for label, call, bare_call, floor_call in rows:
        cpu, bare_cpu = cpu_per_request(call, n), cpu_per_request(bare_call, n)
        line = f"  {label:<16} leadgen {cpu:6.2f} ms   bare {bare_cpu:6.2f} ms"
        line += f"   {bare_cpu / cpu:4.0%}"
        if floor_call is not None:
            floor = cpu_per_request(floor_call, n)
            line += f"   floor {floor:6.2f} ms ({bare_cpu / floor:4.0%} of bare)"
        print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="requests per kind")
    parser.add_argument("--top", type=int, default=0, help="also print the N heaviest functions")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="only CPU per request, leadgen against the bare baselines (steady on a busy machine)",
    )
    options = parser.parse_args()
    n = options.n
    tmp = Path(tempfile.mkdtemp(prefix="leadgen-profile-"))
    environment(tmp)

    from leadgen import create_app, tokens
    from leadgen.ebook import service as ebook
    from leadgen.extensions import db

    app = create_app()
    with app.app_context():
        db.create_all()
        ebook.build()
        form_tokens = [tokens.issue_form_token("ebook") for _ in range(5 * n + 20)]
        clock = TransactionClock(db.engine)
    client = app.test_client()
    headers = {"Origin": "http://127.0.0.1:8000"}
    used = iter(range(len(form_tokens)))

    def submit(run: str) -> str:
        i = next(used)
        answer = client.post("/ebook", data=submit_body(form_tokens[i], i, run), headers=headers)
        assert answer.status_code == 303, answer.status_code
        return parse_qs(urlsplit(answer.location).query)["t"][0]

    for _ in range(20):  # warm-up: templates compiled, connections pooled
        link = submit("warm")
    client.get(f"/download/{link}")
    if options.cpu:
        compare_cpu(tmp, n, client, submit, link)
        shutil.rmtree(tmp, ignore_errors=True)
        return 0

    results = {}
    for kind, call, parts in (
        ("submission", lambda: submit("s"), SUBMISSION_PARTS),
        ("cached download", lambda: client.get(f"/download/{link}"), DOWNLOAD_PARTS),
    ):
        clock.total, clock.count = 0.0, 0
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            call()
        wall = (time.perf_counter() - started) / n * 1000
        cpu = (time.process_time() - cpu) / n * 1000
        held = clock.total / max(clock.count, 1) * 1000
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(n):
            call()
        profile.disable()
        results[kind] = (wall, cpu, held, part_times(profile, parts, n), profile)

    for kind, (wall, cpu, held, parts, profile) in results.items():
        print(
            f"\n{kind}: without the profiler {wall:.2f} ms wall, {cpu:.2f} ms CPU per request; "
            f"write transaction held {held:.2f} ms"
        )
        print("  under cProfile (inflated, read as proportions):")
        for label, ms in parts:
            print(f"    {label:<40} {ms:7.2f} ms")
        if options.top:
            pstats.Stats(profile).sort_stats(
                os.environ.get("PROFILE_SORT", "cumulative")
            ).print_stats(options.top)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
