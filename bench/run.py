"""`make bench`: leadgen under gunicorn and the bare baselines in one run, one table of targets.

Everything runs on loopback in a temporary folder: a fresh SQLite database migrated with
`flask db upgrade`, the e-book built cold, leadgen and the baselines (bench/bare.py) under
gunicorn with the same settings (deploy/gunicorn.conf.py), nginx for a static file when it is
installed. The load generator is bench/load.py. The other bench scripts in this folder
(ebook_copy.py, admin_list.py) run as subprocesses and their figures join the table.
Figures go to bench/results.json (git-ignored). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load as loadgen  # noqa: E402 -- needs the repository on sys.path first
from bench.bare import prepare as prepare_bare  # noqa: E402

BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.json"
NOT_MEASURED = "niet gemeten (bench/admin_list.py)"
SECRET = "bench-secret-key-long-enough-for-leadgen"  # noqa: S105 -- a throwaway bench database


@dataclass
class Target:
    name: str
    figure: str
    ok: bool | None  # None: not measured in this run

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "n.v.t."}[self.ok]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 -- our http URL
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"bench: {url} did not come up in {seconds:.0f} s") from None
        time.sleep(0.2)


class Servers:
    """The processes this run started; each is stopped by its own process group id."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, argv: list[str], env: dict, log: Path) -> subprocess.Popen:
        with log.open("wb") as handle:
            proc = subprocess.Popen(  # noqa: S603 -- our own fixed commands
                argv,
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def gunicorn(app: str, port: int, workers: int, env: dict) -> list[str]:
    env.update(LEADGEN_BIND=f"127.0.0.1:{port}", LEADGEN_WORKERS=str(workers))
    env.update(LEADGEN_ACCESS_LOG="", LEADGEN_LOG_LEVEL="warning", LEADGEN_MAX_REQUESTS="0")
    return [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), app]


def command(argv: list[str], env: dict) -> subprocess.CompletedProcess:
    """Run a flask command of the app under test; stop the bench with its output if it fails."""
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        raise SystemExit(f"bench: {' '.join(argv[1:])} failed:\n{done.stdout}{done.stderr}")
    return done


def letters(number: int) -> str:
    """Spell `number` in letters, since a name may hold no digits."""
    out = ""
    while True:
        number, rest = divmod(number, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[rest] + out
        if not number:
            return out.capitalize()


class Submissions:
    """Valid e-book requests: fresh form tokens, unique names and addresses."""

    def __init__(self, port: int, run_id: str) -> None:
        from leadgen import create_app, tokens

        self.port, self.run_id, self.count = port, run_id, 0
        app = create_app()  # the bench's environment: same secret key as the server
        with app.app_context():
            # Tokens are issued up front, so the load generator spends nothing on them.
            self.tokens = [tokens.issue_form_token("ebook") for _ in range(12_000)]

    def __call__(self) -> loadgen.Call | None:
        if self.count >= len(self.tokens):
            return None
        n, self.count = self.count, self.count + 1
        body = urlencode(
            {
                "name": f"Bench {letters(n)}",
                "email": f"bench-{self.run_id}-{n}@example.nl",
                "privacy": "y",
                "form_token": self.tokens[n],
            }
        ).encode()
        headers = (
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", f"http://127.0.0.1:{self.port}"),
        )
        return loadgen.Call("POST", "/ebook", headers, body)


def bare_inserts() -> loadgen.Call:
    counter = iter(range(10**9))

    def call() -> loadgen.Call:
        n = next(counter)
        body = urlencode({"name": f"Bench {letters(n)}", "email": f"bare-{n}@example.nl"})
        headers = (("Content-Type", "application/x-www-form-urlencoded"),)
        return loadgen.Call("POST", "/insert", headers, body.encode())

    return call


def acknowledged(result: loadgen.Result) -> list[tuple[str, str]]:
    """Return (e-mail, download token) for every submission answered with a 303."""
    out = []
    for call, answer in result.answers:
        if answer.status == 303:
            email = parse_qs(call.body.decode())["email"][0]
            token = parse_qs(urlsplit(answer.headers.get("location", "")).query).get("t", [""])[0]
            out.append((email, token))
    return out


def start_nginx(servers: Servers, tmp: Path, port: int, pdf: Path) -> bool:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        return False
    conf = tmp / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""{user}
worker_processes auto;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port};
        location = /gids.pdf {{ alias {pdf}; default_type application/pdf; }}
    }}
}}
"""
    )
    servers.start([nginx, "-c", str(conf), "-p", str(tmp)], os.environ.copy(), tmp / "nginx.log")
    wait_for(f"http://127.0.0.1:{port}/gids.pdf", 10)
    return True


def run_script(name: str, env: dict, timeout: float = 240) -> str | None:
    """Run another bench script in this folder, if it exists, and return what it printed."""
    path = ROOT / "bench" / name
    if not path.exists():
        return None
    try:
        done = subprocess.run(  # noqa: S603 -- a script of this folder
            [sys.executable, str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return f"(gestopt na {timeout:.0f} s)"
    return done.stdout + (
        f"\n[exit {done.returncode}] {done.stderr[-400:]}" if done.returncode else ""
    )


def figure(text: str | None, pattern: str) -> float | None:
    if not text:
        return None
    match = re.search(pattern, text, re.IGNORECASE | re.MULTILINE)
    return float(match.group(1)) if match else None


def admin_list_p50(text: str | None) -> tuple[float | None, str]:
    """The slowest list view's p50 on SQLite from admin_list.py's table (the dashboard aside)."""
    rows = re.findall(r"^\[sqlite\] (.+?)\s{2,}([\d.]+)\s+([\d.]+)\s*$", text or "", re.MULTILINE)
    rows = [(float(p50), view) for view, p50, _ in rows if "dashboard" not in view]
    return max(rows) if rows else (None, "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each load phase")
    parser.add_argument("--workers", type=int, default=min(4, max(2, 2 * (os.cpu_count() or 1))))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="leadgen-bench-"))
    tmp.chmod(0o755)  # nginx workers read the PDF from here
    instance = tmp / "instance"
    app_port, bare_port, nginx_port = free_port(), free_port(), free_port()
    run_id = str(int(time.time()))
    env = os.environ.copy()
    env.update(
        LEADGEN_INSTANCE_PATH=str(instance),
        LEADGEN_SECRET_KEY=SECRET,
        LEADGEN_DATABASE_URL=f"sqlite:///{instance / 'leadgen.db'}",
        LEADGEN_BASE_URL=f"http://127.0.0.1:{app_port}",
        LEADGEN_MIN_FILL_SECONDS="0",
        LEADGEN_RATE_LIMIT_FORM="1000000 per minute",
        LEADGEN_RATE_LIMIT_EMAIL="1000000 per minute",
        LEADGEN_X_ACCEL_PREFIX="",
        LEADGEN_REDIS_URL="",
        PYTHONPATH=str(ROOT),
    )
    os.environ.update(env)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    servers = Servers()
    phases: dict[str, loadgen.Result] = {}
    extra: dict[str, str | None] = {}
    try:
        print(f"bench: {options.workers} gunicorn workers, {os.cpu_count()} cores, in {tmp}")
        command([*flask, "db", "upgrade"], env)
        started = time.perf_counter()
        build = command([*flask, "ebook", "build"], env)
        build_wall = time.perf_counter() - started
        build_seconds = figure(build.stdout, r"gebouwd in ([\d.]+) s")
        body_pdf = Path(build.stdout.strip().splitlines()[-1])
        prepare_bare(str(tmp / "bare.db"))

        app_env = env.copy()
        servers.start(
            gunicorn("wsgi:app", app_port, options.workers, app_env), app_env, tmp / "app.log"
        )
        bare_env = env | {"BENCH_DB": str(tmp / "bare.db"), "BENCH_FILE": str(body_pdf)}
        servers.start(
            gunicorn("bench.bare:create()", bare_port, options.workers, bare_env),
            bare_env,
            tmp / "bare.log",
        )
        wait_for(f"http://127.0.0.1:{app_port}/healthz")
        wait_for(f"http://127.0.0.1:{bare_port}/page")
        has_nginx = start_nginx(servers, tmp, nginx_port, body_pdf)

        seconds = options.seconds
        submissions = Submissions(app_port, run_id)

        def phase(name: str, port: int, calls, **kw) -> loadgen.Result:
            kw.setdefault("max_seconds", seconds)
            kw.setdefault("warmup", 40)
            result = loadgen.load(name, port, calls, **kw)
            phases[name] = result
            print(
                f"  {name:<22} {result.rps:8.1f} req/s  p50 {result.p50:7.1f} ms  "
                f"p99 {result.p99:7.1f} ms  {dict(result.statuses)}"
                + (f"  fouten {result.errors}" if result.errors else "")
            )
            return result

        page = loadgen.Call("GET", "/page")
        phase("bare page", bare_port, lambda: page)
        form = loadgen.Call("GET", "/ebook")
        phase("form page", app_port, lambda: form)
        phase("bare insert", bare_port, bare_inserts())
        phase("submission", app_port, submissions, keep=True, warmup=0)
        acks = acknowledged(phases["submission"])

        bare_file = loadgen.Call("GET", "/file")
        phase("bare send_file", bare_port, lambda: bare_file)
        cached = loadgen.Call("GET", f"/download/{acks[0][1]}")
        phase("cached download", app_port, lambda: cached)
        fresh = iter([loadgen.Call("GET", f"/download/{token}") for _, token in acks[1:41]])
        phase("personal download", app_port, fresh, concurrency=1, warmup=0, max_seconds=30)
        if has_nginx:
            static = loadgen.Call("GET", "/gids.pdf")
            phase("nginx static", nginx_port, lambda: static)

        with sqlite3.connect(instance / "leadgen.db") as conn:
            stored = {
                row[0]
                for row in conn.execute(
                    "SELECT email FROM lead WHERE email LIKE ?", (f"bench-{run_id}-%",)
                )
            }
        acked = {email for email, _ in acks}
        missing = acked - stored
    finally:
        servers.stop()

    print("bench: the other bench scripts")
    script_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LEADGEN_") or k.startswith("LEADGEN_TEST_")
    }
    for name in ("ebook_copy.py", "admin_list.py"):
        extra[name] = run_script(name, script_env)
        state = "niet aanwezig" if extra[name] is None else "klaar"
        print(f"  {name}: {state}")
        for line in (extra[name] or "").strip().splitlines():
            print(f"    {line}")
    admin = extra["admin_list.py"]
    admin_p50, admin_view = admin_list_p50(admin)
    export_mb = figure(admin, r"^\[sqlite\] export.*?peak extra .*?([\d.]+) MiB")

    def ratio(a: str, b: str) -> float:
        return phases[a].rps / phases[b].rps if phases[b].rps else 0.0

    sub = phases["submission"]
    targets = [
        Target(
            "form page >= 50% of bare page",
            f"{ratio('form page', 'bare page'):.0%}",
            ratio("form page", "bare page") >= 0.5,
        ),
        Target(
            "submission >= 40% of bare insert",
            f"{ratio('submission', 'bare insert'):.0%}",
            ratio("submission", "bare insert") >= 0.4,
        ),
        Target(
            "submission p99 < 50 ms at 16 connections",
            f"{sub.p99:.1f} ms",
            sub.p99 < 50,
        ),
        Target(
            "personal-copy download p50 < 150 ms",
            f"{phases['personal download'].p50:.0f} ms",
            phases["personal download"].p50 < 150,
        ),
        Target(
            "cached download >= 80% of bare send_file",
            f"{ratio('cached download', 'bare send_file'):.0%}",
            ratio("cached download", "bare send_file") >= 0.8,
        ),
        Target(
            "cold e-book build < 5 s",
            f"{build_seconds:.2f} s (flask ebook build: {build_wall:.1f} s wall)"
            if build_seconds is not None
            else "?",
            build_seconds is not None and build_seconds < 5,
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
        Target(
            "every 303 is in the database",
            f"{len(acked) - len(missing)} of {len(acked)} found",
            not missing and bool(acked),
        ),
    ]

    print()
    print(f"{'target (DESIGN.md)':<44} {'measured':<36} result")
    print("-" * 90)
    for target in targets:
        print(f"{target.name:<44} {target.figure:<36} {target.verdict}")
    if has_nginx:
        print(
            f"(info) nginx static vs bare send_file: {ratio('nginx static', 'bare send_file'):.1f}x"
        )

    RESULTS.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "cores": os.cpu_count(),
                "workers": options.workers,
                "phases": {name: result.summary() for name, result in phases.items()},
                "ebook_build_seconds": build_seconds,
                "scripts": extra,
                "targets": [
                    {"target": t.name, "measured": t.figure, "result": t.verdict} for t in targets
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"bench: figures in {RESULTS.relative_to(ROOT)}")
    if options.keep:
        print(f"bench: kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if any(t.ok is False for t in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
