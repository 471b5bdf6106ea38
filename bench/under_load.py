"""CPU per request of the gunicorn workers under the bench's load, leadgen against its baseline.

`make bench` gives requests per second, which swing with whatever else the machine does. This
gives what a request costs the workers while 16 connections keep them busy: CPU time read from
/proc for the worker processes over one load phase, divided by the requests answered, with the
load generator's own CPU and how busy the whole machine was (below 100%: something else than
the CPU, such as SQLite's write lock, set the pace). One phase each for leadgen and for its bare
baseline, one after the other, in the same settings as `make bench`:

    .venv/bin/python bench/under_load.py download      # cached download vs bare send_file
    .venv/bin/python bench/under_load.py submission    # valid submission vs bare insert

`--database postgresql` runs both on a throwaway database of their own on the bench's PostgreSQL
server (bench/postgres.py, as `make bench` does; default: a fresh SQLite file); Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load as loadgen
from bench import postgres
from bench.bare import floor_token
from bench.bare import prepare as prepare_bare
from bench.harness import (
    BIN,
    Servers,
    Submissions,
    acknowledged,
    bare_inserts,
    command,
    free_port,
    gunicorn,
    wait_for,
)
from bench.run import environment


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of `pids` so far (children not included)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(all, idle) jiffies of the machine; I/O wait counts as idle."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]


def workers_of(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if stat[1] == str(master):
                found.append(int(entry.name))
    return found


def database_server() -> list[int]:
    """The PostgreSQL server's processes on this machine (its backends too); none for SQLite."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def measure(name: str, port: int, master: int, calls, seconds: float) -> None:
    loadgen.load("warm-up", port, calls, max_requests=100, max_seconds=20)
    pids, server = workers_of(master), database_server()
    cpu, (ticks, idle), own = cpu_seconds(pids), machine_ticks(), time.process_time()
    served = cpu_seconds(server)
    result = loadgen.load(name, port, calls, max_seconds=seconds)
    cpu, own = cpu_seconds(pids) - cpu, time.process_time() - own
    served = _still_running(server, served)
    ticks_now, idle_now = machine_ticks()
    answered = sum(result.statuses.values())
    busy = 1 - (idle_now - idle) / max(ticks_now - ticks, 1)
    database = f"   database {served / answered * 1000:4.2f} ms" if server else ""
    print(
        f"  {name:<22} {result.rps:7.1f} req/s   workers {cpu / answered * 1000:5.2f} ms CPU"
        f"/request   load generator {own / answered * 1000:4.2f} ms{database}"
        f"   machine busy {busy:4.0%}"
    )


def _still_running(pids: list[int], before: float) -> float:
    """CPU seconds `pids` used since `before` was read; a backend that ended is left out."""
    try:
        return cpu_seconds(pids) - before
    except OSError:
        return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=["download", "submission"])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="leadgen-under-load-"))
    if options.database == "sqlite":
        compare(options, tmp, f"sqlite:///{tmp / 'leadgen.db'}", str(tmp / "bare.db"))
        return 0
    server, why = postgres.reachable()
    if server is None:
        raise SystemExit(f"under_load: PostgreSQL not reachable: {why}")
    with postgres.scratch_database(server) as database_url:
        compare(options, tmp, database_url, postgres.libpq(database_url))
    return 0


def compare(options: argparse.Namespace, tmp: Path, database_url: str, bare_db: str) -> None:
    """One load phase on leadgen and one on its bare baseline, on the databases given."""
    app_port, bare_port = free_port(), free_port()
    env = environment(tmp / "instance", database_url, app_port)
    os.environ.update(env)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    command([*flask, "db", "upgrade"], env)
    body = Path(command([*flask, "ebook", "build"], env).stdout.strip().splitlines()[-1])
    prepare_bare(bare_db)
    servers = Servers()
    try:
        app = servers.start(gunicorn("wsgi:app", app_port, options.workers, env), env, tmp / "a")
        bare_env = env | {"BENCH_DB": bare_db, "BENCH_FILE": str(body)}
        bare = servers.start(
            gunicorn("bench.bare:create()", bare_port, options.workers, bare_env),
            bare_env,
            tmp / "b",
        )
        wait_for(f"http://127.0.0.1:{app_port}/healthz")
        wait_for(f"http://127.0.0.1:{bare_port}/page")
        submissions = Submissions(app_port, str(int(time.time())))
        if options.phase == "submission":
            measure("bare insert", bare_port, bare.pid, bare_inserts(), options.seconds)
            stack = bare_inserts("/stack/insert", form_token=floor_token(), privacy="y")
            measure("stack floor submission", bare_port, bare.pid, stack, options.seconds)
            measure("submission", app_port, app.pid, submissions, options.seconds)
        else:
            made = loadgen.load("a lead", app_port, submissions, max_requests=1, keep=True)
            link = loadgen.Call("GET", f"/download/{acknowledged(made)[0][1]}")
            loadgen.load("its copy", app_port, lambda: link, concurrency=1, max_requests=1)
            file = loadgen.Call("GET", "/file")
            measure("bare send_file", bare_port, bare.pid, lambda: file, options.seconds)
            measure("cached download", app_port, app.pid, lambda: link, options.seconds)
    finally:
        servers.stop()


if __name__ == "__main__":
    sys.exit(main())
