"""Instructions per request, counted by valgrind: a change's effect where seconds cannot show it.

On a shared two-core machine the CPU time of one request, in-process and for the same code, read
1.9 ms in one run and 3.7 ms in the next (docs/performance.md, ninth round). Valgrind's callgrind
counts the instructions the process executes instead, which repeat to 0.1% from run to run. This
runs the request loop under callgrind twice, with 20 and with 120 requests after 30 to warm up,
and divides the difference by 100, so start-up and imports fall out:

    .venv/bin/python bench/instructions.py                          # leadgen's submission, SQLite
    .venv/bin/python bench/instructions.py --database postgresql    # on a throwaway database
    .venv/bin/python bench/instructions.py --route stack            # a baseline (bench/bare.py)

Requests go through Flask's test client, in one thread, so only the app's own work is counted
(not gunicorn's, not the database server's). Run it alone: work driven by the clock (the idle
ping, the stack floor's rate-limit timer thread) runs more often when the machine is busy.
Needs valgrind (Debian's package `valgrind`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import postgres  # noqa: E402

WARM_UP, FEW, MANY = 30, 20, 120
VALGRIND = shutil.which("valgrind")
# route -> the path posted to; "submission" is leadgen's e-book form, the others bench/bare.py's.
ROUTES = {
    "submission": "/ebook",
    "bare": "/insert",
    "floor": "/floor/insert",
    "stack": "/stack/insert",
}


def requests(route: str, count: int, run: str, instance: Path) -> None:
    """Post `count` valid requests to `route` (after the warm-up), in this process."""
    total = WARM_UP + count
    if route == "submission":
        from bench.profile_requests import environment, submit_body

        environment(instance)
        from leadgen import create_app, tokens
        from leadgen.extensions import db

        app = create_app()
        with app.app_context():
            db.create_all()
            form_tokens = [tokens.issue_form_token("ebook") for _ in range(total)]
        client = app.test_client()
        origin = {"Origin": app.config["LEADGEN_BASE_URL"]}
        bodies = [submit_body(form_tokens[i], i, run) for i in range(total)]
    else:
        from bench import bare

        bare.prepare(os.environ["BENCH_DB"])
        client = bare.create().test_client()
        origin = {}
        token = bare.floor_token()
        bodies = [
            {
                "name": "Bench Proef",
                "email": f"{run}-{i}@example.nl",
                "privacy": "y",
                "form_token": token,
            }
            for i in range(total)
        ]
    for body in bodies:
        answer = client.post(ROUTES[route], data=body, headers=origin)
        if answer.status_code != 303:
            raise SystemExit(f"instructions: {ROUTES[route]} answered {answer.status_code}")


def counted(route: str, count: int, env: dict) -> int:
    """Instructions of one run of `count` requests under callgrind."""
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(  # noqa: S603 -- our own script under valgrind
            [
                VALGRIND,
                "--tool=callgrind",
                f"--callgrind-out-file={out}/callgrind.out",
                sys.executable,
                __file__,
                "--inner",
                str(count),
                "--route",
                route,
            ],
            env=env | {"INSTRUCTIONS_RUN": f"n{count}"},
            capture_output=True,
            text=True,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or found is None:
        raise SystemExit(f"instructions: the run of {count} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_request(route: str, env: dict) -> float:
    return (counted(route, MANY, env) - counted(route, FEW, env)) / (MANY - FEW)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--route", choices=sorted(ROUTES), default="submission")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--inner", type=int, help=argparse.SUPPRESS)  # the loop under valgrind
    options = parser.parse_args()
    if options.inner is not None:
        with tempfile.TemporaryDirectory(prefix="leadgen-instructions-") as instance:
            run = os.environ.get("INSTRUCTIONS_RUN", "run")
            requests(options.route, options.inner, run, Path(instance))
        return 0
    if VALGRIND is None:
        raise SystemExit("instructions: needs valgrind (sudo apt-get install valgrind)")
    with postgres.throwaway(options.database, "instructions") as (settings, name):
        return report(options.route, settings, name)


def report(route: str, settings: dict, database: str) -> int:
    env = os.environ | settings | {"BENCH_FILE": os.devnull, "PYTHONPATH": str(ROOT)}
    print(f"{route} ({database}): {per_request(route, env) / 1e6:.3f} M instructions a request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
