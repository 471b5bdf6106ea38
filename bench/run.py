"""`make bench`: leadgen under gunicorn and the bare baselines in one run, one table of targets.

Everything runs on loopback in a temporary folder: a fresh SQLite database migrated with
`flask db upgrade`, the e-book built cold, leadgen and the baselines (bench/bare.py) under
gunicorn with the same settings (deploy/gunicorn.conf.py), nginx for a static file when it is
installed. The load generator is bench/load.py. The other bench scripts in this folder
(ebook_copy.py, admin_list.py) run as subprocesses and their figures join the table.
Where PostgreSQL is reachable (bench/postgres.py), the submission and download phases run again
on a database of the bench's own against a bare Flask + psycopg insert, in a second table.
Figures go to bench/results.json (git-ignored). Exit status 1 when a target within reach is
missed (a target a floor misses too is out of reach; see `Target`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load as loadgen  # noqa: E402 -- needs the repository on sys.path first
from bench import postgres  # noqa: E402
from bench.bare import floor_token  # noqa: E402
from bench.bare import prepare as prepare_bare  # noqa: E402
from bench.harness import (  # noqa: E402
    BIN,
    Servers,
    Submissions,
    Target,
    acknowledged,
    bare_inserts,
    command,
    figure,
    free_port,
    gunicorn,
    run_script,
    start_nginx,
    wait_for,
)

RESULTS = ROOT / "bench" / "results.json"
#: The paced phases run at this share of the bare insert's throughput in the same run: a busy
#: moment, about half of what leadgen can take where it does 40% of the bare insert.
PACED_SHARE = 0.2
STACK = "stack floor"
# Requests sent before a closed-loop phase's first round, not counted: enough for each of the 16
# connections' worth of threads to open its pooled connection and run its statements past
# psycopg's prepare threshold (5 executions, https://www.psycopg.org/psycopg3/docs/advanced/
# prepare.html). With 40, a submission's slowest 1% sat in the first round (23 of 23 in one run,
# 15 of them in its first 0.4 s), so the p99 judged a server just started (tenth round).
WARM_UP = 200
# And before each later round. The baselines share one server, which the rounds before keep
# busy; leadgen's sits idle through three rounds of theirs, and up to half of its slowest 1% fell
# in the first 0.4 s of a round (docs/performance.md, tenth round). The same for every phase.
ROUND_WARM_UP = 40
NOT_MEASURED = "niet gemeten (zie de uitvoer van het script hierboven)"
SECRET = "bench-secret-key-long-enough-for-leadgen"  # noqa: S105 -- a throwaway bench database


@dataclass
class Measured:
    """One database's run: the load phases, the cold build, and which 303s were stored."""

    phases: dict[str, loadgen.Result]
    build_seconds: float | None
    build_wall: float
    acked: set[str]
    missing: set[str]
    has_nginx: bool

    def ratio(self, a: str, b: str) -> float:
        return self.phases[a].rps / self.phases[b].rps if self.phases[b].rps else 0.0


def admin_list_p50(text: str | None) -> tuple[float | None, str]:
    """The slowest list view's p50 on SQLite from admin_list.py's table (the dashboard aside)."""
    rows = re.findall(r"^\[sqlite\] (.+?)\s{2,}([\d.]+)\s+([\d.]+)\s*$", text or "", re.MULTILINE)
    rows = [(float(p50), view) for view, p50, _ in rows if "dashboard" not in view]
    return max(rows) if rows else (None, "")


def environment(instance: Path, database_url: str, app_port: int) -> dict:
    env = os.environ.copy()
    env.update(
        LEADGEN_INSTANCE_PATH=str(instance),
        LEADGEN_SECRET_KEY=SECRET,
        LEADGEN_DATABASE_URL=database_url,
        LEADGEN_BASE_URL=f"http://127.0.0.1:{app_port}",
        LEADGEN_MIN_FILL_SECONDS="0",
        LEADGEN_RATE_LIMIT_FORM="1000000 per minute",
        LEADGEN_RATE_LIMIT_EMAIL="1000000 per minute",
        LEADGEN_X_ACCEL_PREFIX="",
        LEADGEN_REDIS_URL="",
        PYTHONPATH=str(ROOT),
    )
    return env


def stored_emails(database_url: str, run_id: str) -> set[str]:
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sqlalchemy.text("SELECT email FROM lead WHERE email LIKE :p"),
                {"p": f"bench-{run_id}-%"},
            )
            return {row[0] for row in rows}
    finally:
        engine.dispose()


def measure(
    database_url: str, bare_db: str, tmp: Path, options: argparse.Namespace, full: bool
) -> Measured:
    """Serve leadgen on `database_url` and the baselines on `bare_db`; run the load phases.

    `full` adds the phases that do not touch the database (pages, nginx); without it only the
    submission and download phases and their baselines run.
    """
    tmp.mkdir(parents=True, exist_ok=True)
    tmp.chmod(0o755)  # nginx workers read the PDF from here
    instance = tmp / "instance"
    app_port, bare_port, nginx_port = free_port(), free_port(), free_port()
    run_id = str(int(time.time()))
    env = environment(instance, database_url, app_port)
    os.environ.update(env)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    servers = Servers()
    phases: dict[str, loadgen.Result] = {}
    try:
        command([*flask, "db", "upgrade"], env)
        started = time.perf_counter()
        build = command([*flask, "ebook", "build"], env)
        build_wall = time.perf_counter() - started
        build_seconds = figure(build.stdout, r"gebouwd in ([\d.]+) s")
        body_pdf = Path(build.stdout.strip().splitlines()[-1])
        prepare_bare(bare_db)

        app_env = env.copy()
        servers.start(
            gunicorn("wsgi:app", app_port, options.workers, app_env), app_env, tmp / "app.log"
        )
        bare_env = env | {"BENCH_DB": bare_db, "BENCH_FILE": str(body_pdf)}
        servers.start(
            gunicorn("bench.bare:create()", bare_port, options.workers, bare_env),
            bare_env,
            tmp / "bare.log",
        )
        wait_for(f"http://127.0.0.1:{app_port}/healthz")
        wait_for(f"http://127.0.0.1:{bare_port}/page")
        has_nginx = full and start_nginx(servers, tmp, nginx_port, body_pdf)
        submissions = Submissions(app_port, run_id)

        def show(result: loadgen.Result) -> None:
            print(
                f"  {result.name:<22} {result.rps:8.1f} req/s  p50 {result.p50:7.1f} ms  "
                f"p99 {result.p99:7.1f} ms  {dict(result.statuses)}"
                + (f"  fouten {result.errors}" if result.errors else "")
            )

        def phase(name: str, port: int, calls, **kw) -> loadgen.Result:
            kw.setdefault("max_seconds", options.seconds)
            kw.setdefault("warmup", WARM_UP)
            phases[name] = result = loadgen.load(name, port, calls, **kw)
            show(result)
            return result

        def side_by_side(*group: tuple[str, int, Callable, bool], rate: float = 0) -> None:
            """Phases compared in a ratio, in turns: `options.rounds` short rounds of each, one
            after the other, so a machine that slows down for a while slows all of them alike
            (on a shared machine whole phases minutes apart differed by a fifth). With a
            `rate`, each is paced at that many requests a second (open loop)."""
            for turn in range(options.rounds):
                for name, port, calls, keep in group:
                    result = loadgen.load(
                        name,
                        port,
                        calls,
                        max_seconds=options.seconds / options.rounds,
                        max_requests=20_000 // options.rounds,
                        warmup=0 if rate else WARM_UP if turn == 0 else ROUND_WARM_UP,
                        keep=keep,
                        rate=rate,
                    )
                    phases[name] = phases[name].joined(result) if turn else result
            for name, *_ in group:
                show(phases[name])

        if full:
            page = loadgen.Call("GET", "/page")
            form = loadgen.Call("GET", "/ebook")
            side_by_side(
                ("bare page", bare_port, lambda: page, False),
                ("form page", app_port, lambda: form, False),
            )
        bare, floor = bare_inserts(), bare_inserts("/floor/insert", form_token=floor_token())
        stack = bare_inserts("/stack/insert", form_token=floor_token(), privacy="y")
        side_by_side(
            ("bare insert", bare_port, bare, False),
            ("floor submission", bare_port, floor, False),
            ("stack floor submission", bare_port, stack, False),
            ("submission", app_port, submissions, True),
        )
        # The tail at a busy moment rather than at saturation: the three again, each paced at
        # the same share of the bare insert's throughput (see database_targets).
        side_by_side(
            ("bare insert, paced", bare_port, bare, False),
            ("stack floor submission, paced", bare_port, stack, False),
            ("submission, paced", app_port, submissions, True),
            rate=round(PACED_SHARE * phases["bare insert"].rps, 1),
        )
        acks = acknowledged(phases["submission"]) + acknowledged(phases["submission, paced"])

        bare_file = loadgen.Call("GET", "/file")
        floor_file = loadgen.Call("GET", f"/floor/download/{floor_token()}")
        cached = loadgen.Call("GET", f"/download/{acks[0][1]}")
        side_by_side(
            ("bare send_file", bare_port, lambda: bare_file, False),
            ("floor download", bare_port, lambda: floor_file, False),
            ("cached download", app_port, lambda: cached, False),
        )
        fresh = iter([loadgen.Call("GET", f"/download/{token}") for _, token in acks[1:41]])
        phase("personal download", app_port, fresh, concurrency=1, warmup=0, max_seconds=30)
        if has_nginx:
            static = loadgen.Call("GET", "/gids.pdf")
            phase("nginx static", nginx_port, lambda: static)
        acked = {email for email, _ in acks}
        missing = acked - stored_emails(database_url, run_id)
    finally:
        servers.stop()
    return Measured(phases, build_seconds, build_wall, acked, missing, has_nginx)


def database_targets(run: Measured) -> list[Target]:
    """The targets both databases are held to: submissions and downloads.

    Each is also tried on a floor's phase of the same run (bench/bare.py): where the least work
    misses a target too, it is out of reach here, and the line after it says what is judged
    instead. A download's floor is the plain one; a submission's is the stack's floor, the
    least work done with the libraries DESIGN.md names for it (Flask-WTF, Flask-Limiter).
    """
    personal = run.phases["personal download"]
    sub_p99, stack_p99 = run.phases["submission"].p99, run.phases["stack floor submission"].p99
    bare_p99 = run.phases["bare insert"].p99

    def share(ours: str, least_work: str, bare: str, least: float) -> Target:
        mine, floor = run.ratio(ours, bare), run.ratio(least_work, bare)
        return Target(
            f"{ours} >= {least:.0%} of {bare}",
            f"{mine:.0%}",
            mine >= least,
            floor >= least,
            f"{floor:.0%}",
            floor_name(least_work),
        )

    def tail(name: str, figure: str, ok: bool, stack_ok: bool, stack_figure: float) -> Target:
        return Target(name, figure, ok, stack_ok, f"{stack_figure:.0f} ms", STACK)

    download = share("cached download", "floor download", "bare send_file", 0.8)
    floor_share = run.ratio("cached download", "floor download")
    # The relative form, as DESIGN.md words it: at 16 connections. In a closed loop each
    # latency is 16 / throughput (Little's law), so this tail is the throughput ratio again,
    # turned over: it asks for about half the bare insert's throughput, where the throughput
    # target asks for 40%.
    relative = tail(
        "submission p99 <= 2x the bare insert's p99",
        f"{sub_p99:.0f} vs {bare_p99:.0f} ms",
        sub_p99 <= 2 * bare_p99,
        stack_p99 <= 2 * bare_p99,
        stack_p99,
    )
    return [
        share("submission", "stack floor submission", "bare insert", 0.4),
        tail(
            "submission p99 < 50 ms at 16 connections",
            f"{sub_p99:.1f} ms",
            sub_p99 < 50,
            stack_p99 < 50,
            stack_p99,
        ),
        relative,
        # Judged only where the line above is out of reach: DESIGN.md's factor, with the
        # least work on the same libraries as the baseline.
        Target(
            "  instead: submission p99 <= 2x the stack floor's",
            f"{sub_p99:.0f} vs {stack_p99:.0f} ms",
            sub_p99 <= 2 * stack_p99 if relative.out_of_reach else None,
        ),
        Target("personal-copy download p50 < 150 ms", f"{personal.p50:.0f} ms", personal.p50 < 150),
        download,
        # Judged only where the line above is out of reach: the least work is the bar then.
        Target(
            "  instead: cached download >= 90% of floor",
            f"{floor_share:.0%}",
            floor_share >= 0.9 if download.out_of_reach else None,
        ),
    ]


def floor_name(phase: str) -> str:
    """The floor a phase measures: "floor download" -> "floor", "stack floor submission" -> ..."""
    return phase.rsplit(" ", 1)[0]


def paced_tails(run: Measured) -> str:
    """The three submission phases paced at one rate: what a submission adds to a visitor's
    wait at a busy moment short of saturation. Shown, not judged: DESIGN.md's tail is at 16
    connections, and paced the p99 rests on a few requests (docs/performance.md)."""
    names = ("submission", "stack floor submission", "bare insert")
    paced = [run.phases[f"{name}, paced"] for name in names]
    tails = ", ".join(
        f"{name} {phase.p99:.0f} ms" for name, phase in zip(names, paced, strict=True)
    )
    return f"paced at {paced[-1].rps:.0f}/s, p99: {tails}"


def stored_target(run: Measured) -> Target:
    return Target(
        "every 303 is in the database",
        f"{len(run.acked) - len(run.missing)} of {len(run.acked)} found",
        not run.missing and bool(run.acked),
    )


def sqlite_targets(run: Measured, extra: dict[str, str | None]) -> list[Target]:
    """SQLite's table: the database targets plus the page, the build and the admin figures."""
    admin = extra.get("admin_list.py")
    admin_p50, admin_view = admin_list_p50(admin)
    export_mb = figure(admin, r"^\[sqlite\] export.*?peak extra .*?([\d.]+) MiB")
    form = run.ratio("form page", "bare page")
    moments = figure(
        extra.get("free_moments.py"), r"^\[sqlite\] free-moment page.*?p50 ([\d.]+) ms"
    )
    return [
        Target("form page >= 50% of bare page", f"{form:.0%}", form >= 0.5),
        *database_targets(run),
        Target(
            "free-moment page p50 < 50 ms, 10 000 appointments",
            f"{moments:.1f} ms" if moments is not None else NOT_MEASURED,
            None if moments is None else moments < 50,
        ),
        Target(
            "cold e-book build < 5 s",
            f"{run.build_seconds:.2f} s (flask ebook build: {run.build_wall:.1f} s wall)"
            if run.build_seconds is not None
            else "?",
            run.build_seconds is not None and run.build_seconds < 5,
        ),
        Target(
            "admin list, 100 000 leads, p50 < 100 ms",
            f"{admin_p50:.0f} ms (slowest: {admin_view})"
            if admin_p50 is not None
            else NOT_MEASURED,
            None if admin_p50 is None else admin_p50 < 100,
        ),
        Target(
            "CSV export of 100 000 leads < 50 MB extra",
            f"{export_mb:.1f} MB" if export_mb is not None else NOT_MEASURED,
            None if export_mb is None else export_mb < 50,
        ),
        stored_target(run),
    ]


def print_table(title: str, targets: list[Target]) -> None:
    print()
    print(title)
    print(f"{'target (DESIGN.md)':<50} {'measured':<38} result")
    print("-" * 112)
    for target in targets:
        print(f"{target.name:<50} {target.figure:<38} {target.verdict}")


def other_scripts() -> dict[str, str | None]:
    """Run ebook_copy.py, free_moments.py and admin_list.py without this run's LEADGEN_ settings."""
    print("bench: the other bench scripts")
    script_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LEADGEN_") or k.startswith("LEADGEN_TEST_")
    }
    extra: dict[str, str | None] = {}
    for name in ("ebook_copy.py", "free_moments.py", "admin_list.py"):
        extra[name] = run_script(name, script_env, timeout=900)
        state = "niet aanwezig" if extra[name] is None else "klaar"
        print(f"  {name}: {state}")
        for line in (extra[name] or "").strip().splitlines():
            print(f"    {line}")
    return extra


def postgresql_server(choice: str) -> str | None:
    """The PostgreSQL server URL to bench on, or None (with a printed line) to skip it."""
    if choice == "sqlite":
        return None
    url, why = postgres.reachable()
    if url is None:
        if choice == "postgresql":
            raise SystemExit(f"bench: PostgreSQL asked for but not reachable: {why}")
        print(f"bench: PostgreSQL skipped, not reachable: {why}")
    return url


def summary(run: Measured, targets: list[Target]) -> dict:
    return {
        "phases": {name: result.summary() for name, result in run.phases.items()},
        "ebook_build_seconds": run.build_seconds,
        "targets": [{"target": t.name, "measured": t.figure, "result": t.verdict} for t in targets],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each load phase")
    parser.add_argument(
        "--rounds", type=int, default=4, help="turns that phases compared in a ratio take"
    )
    parser.add_argument("--workers", type=int, default=min(4, max(2, 2 * (os.cpu_count() or 1))))
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql", "both"),
        default="both",
        help="which databases to bench on (both: PostgreSQL only where reachable)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--no-scripts",
        action="store_true",
        help="skip the other bench scripts (their targets read 'not measured'): a quick look",
    )
    options = parser.parse_args()

    pg_server = postgresql_server(options.database)
    tmp = Path(tempfile.mkdtemp(prefix="leadgen-bench-"))
    tmp.chmod(0o755)  # nginx workers read the PDF from below here
    print(f"bench: {options.workers} gunicorn workers, {os.cpu_count()} cores, in {tmp}")
    results: dict = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cores": os.cpu_count(),
        "workers": options.workers,
    }
    tables: list[tuple[str, list[Target]]] = []
    sqlite_run = pg_run = None
    if options.database != "postgresql":
        print("bench: SQLite")
        folder = tmp / "sqlite"
        db_url = f"sqlite:///{folder / 'instance' / 'leadgen.db'}"
        sqlite_run = measure(db_url, str(folder / "bare.db"), folder, options, full=True)
    if pg_server:
        print("bench: PostgreSQL")
        with postgres.scratch_database(pg_server) as db_url:
            pg_run = measure(db_url, postgres.libpq(db_url), tmp / "pg", options, full=False)
        pg_targets = [*database_targets(pg_run), stored_target(pg_run)]
        results["postgresql"] = summary(pg_run, pg_targets)
    if sqlite_run:
        extra = {} if options.no_scripts else other_scripts()
        targets = sqlite_targets(sqlite_run, extra)
        tables.append(("SQLite", targets))
        results |= summary(sqlite_run, targets) | {"scripts": extra}
    if pg_server:
        tables.append(("PostgreSQL", pg_targets))

    for title, targets in tables:
        print_table(title, targets)
    for title, run in (("SQLite", sqlite_run), ("PostgreSQL", pg_run)):
        if run is not None:
            print(f"(info) {title} {paced_tails(run)}")
    if sqlite_run and sqlite_run.has_nginx:
        nginx = sqlite_run.ratio("nginx static", "bare send_file")
        print(f"(info) nginx static vs bare send_file: {nginx:.1f}x")
    # What the least work costs (bench/bare.py, the floors): the ratio no app can pass.
    for title, run in (("SQLite", sqlite_run), ("PostgreSQL", pg_run)):
        for floor, bare, ours in (
            ("floor submission", "bare insert", "submission"),
            ("stack floor submission", "bare insert", "submission"),
            ("floor download", "bare send_file", "cached download"),
        ):
            if run is not None:
                print(
                    f"(info) {title} {floor}: {run.ratio(floor, bare):.0%} of {bare}; "
                    f"{ours}: {run.ratio(ours, floor):.0%} of the {floor_name(floor)}"
                )

    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"bench: figures in {RESULTS.relative_to(ROOT)}")
    if options.keep:
        print(f"bench: kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if any(t.missed for _, targets in tables for t in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
