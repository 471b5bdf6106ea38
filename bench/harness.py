"""The bench's plumbing: ports, servers under gunicorn, nginx, submissions, sibling scripts."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from bench import load as loadgen

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Target:
    """One line of the bench's table.

    Where a floor (bench/bare.py: the least work any app keeping leadgen's promises does, or
    the same on DESIGN.md's libraries, the stack floor) is held to the same test in the same
    run and fails it too, a missed target is out of reach on this machine: shown with the
    floor's figure, not counted as a miss, and the table judges what is measured instead (its
    own line).
    """

    name: str
    figure: str
    ok: bool | None  # None: not measured in this run
    floor_ok: bool | None = None  # None: no floor for this target
    floor_figure: str = ""
    floor_name: str = "floor"

    @property
    def out_of_reach(self) -> bool:
        return self.ok is False and self.floor_ok is False

    @property
    def missed(self) -> bool:
        return self.ok is False and not self.out_of_reach

    @property
    def verdict(self) -> str:
        if self.out_of_reach:
            return f"OUT OF REACH ({self.floor_name} {self.floor_figure})"
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


def bare_inserts(path: str = "/insert", **fields: str):
    """Calls that POST a new name and address to `path` (the bare insert, or the floor's)."""
    counter = iter(range(10**9))
    prefix = path.strip("/").replace("/", "-")

    def call() -> loadgen.Call:
        n = next(counter)
        values = {"name": f"Bench {letters(n)}", "email": f"{prefix}-{n}@example.nl"} | fields
        headers = (("Content-Type", "application/x-www-form-urlencoded"),)
        return loadgen.Call("POST", path, headers, urlencode(values).encode())

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
