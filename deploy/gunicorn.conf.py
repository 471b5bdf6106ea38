"""gunicorn settings for leadgen: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (the systemd unit reads /etc/leadgen/env),
so `make run`, the bench and the tests run the same file with their own port and worker count.
"""

import gc
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


bind = os.environ.get("LEADGEN_BIND", "127.0.0.1:8000")
# Threaded workers: a sync worker serves one connection at a time, and a browser's speculative
# connection that sends nothing holds it until the timeout, so without a buffering proxy in front
# pages and framed forms stalled for 30 s. A gthread worker parks idle connections in its poller
# and serves whichever has a request. Processes give the CPU work (templates, the personal
# cover) both cores; threads cover the waits (disk, database lock, slow clients).
workers = _int("LEADGEN_WORKERS", min(multiprocessing.cpu_count() + 1, 8))
worker_class = "gthread"
threads = _int("LEADGEN_THREADS", 4)

# A worker whose main loop is silent this long is restarted. With threads this no longer bounds
# one request (nginx's proxy_read_timeout does that for the client); SQLite's lock wait is 3 s.
timeout = _int("LEADGEN_WORKER_TIMEOUT", 30)
graceful_timeout = 20
keepalive = 2

# Recycle workers now and then: WeasyPrint's memory is not always given back (docs/operations.md;
# https://github.com/Kozea/WeasyPrint/issues/220).
max_requests = _int("LEADGEN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# The app opens no database connection at import time, so preloading is safe and saves memory;
# post_fork still drops any pooled connection a worker would otherwise share with its parent.
preload_app = os.environ.get("LEADGEN_PRELOAD", "1") == "1"

# "-" is stdout (journald under systemd); an empty value turns the access log off.
accesslog = os.environ.get("LEADGEN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LEADGEN_LOG_LEVEL", "info")
# The route the app matched (`/download/<token>`), never the path or query: both carry tokens.
access_log_format = '%(h)s "%(m)s %({leadgen.route}e)s" %(s)s %(b)s %(M)sms'
# The forwarded address is only trusted from nginx on this machine; the app applies ProxyFix.
forwarded_allow_ips = os.environ.get("LEADGEN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """Before the first fork: the workers inherit a warmed app, its objects out of the GC's way.

    gc.freeze() moves every object the master made (modules, the ORM, templates) to a
    generation the collector never scans, so a worker's full collections walk only what it
    made itself: measured under the bench's load, they took 110-570 ms each before, stalling
    every thread of the worker (docs/performance.md, "Fifth round"). It also keeps those
    objects' pages shared between the workers. https://docs.python.org/3/library/gc.html#gc.freeze
    """
    app = getattr(server.app, "callable", None)
    if app is not None and "sqlalchemy" in getattr(app, "extensions", {}):
        from leadgen import warm_up

        warm_up(app)  # leadgen only: the bench's baselines have nothing to warm
    gc.freeze()


def post_fork(server, worker):
    """Give each worker its own database connections: none may cross a fork.

    See docs/operations.md ("No connection crosses a fork") and
    https://www.sqlite.org/howtocorrupt.html (§2.7).
    """
    app = getattr(server.app, "callable", None)
    if app is None or "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # not preloaded (nothing to share), or not leadgen (the bench's baselines)
    from leadgen.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
