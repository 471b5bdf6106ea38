"""PostgreSQL connections pinged before use only when they lay idle in the pool.

SQLAlchemy's pool_pre_ping pings on every checkout: a round trip before each download and
each submission. A connection used a moment ago is alive unless the server went down in that
moment, and then the requests of that moment fail with or without a ping. One that lay idle may
have been cut by a restart, a failover or an idle timeout: it is pinged, and when the ping meets
a disconnect, the pool is renewed and the request goes on, on a fresh connection (SQLAlchemy's
"custom pessimistic ping": https://docs.sqlalchemy.org/en/20/core/pooling.html#disconnect-handling-pessimistic).
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError

# A pooled connection back in the pool for longer than this is pinged before it is used again.
IDLE_BEFORE_PING = 1.0
RETURNED_AT = "leadgen_returned_at"  # in the pooled connection's info: when it came back


def install(engine: Engine) -> None:
    """Ping `engine`'s pooled connections that lay idle (PostgreSQL only; SQLite has no server)."""
    if engine.dialect.name != "postgresql":
        return
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        returned = record.info.get(RETURNED_AT)
        if returned is None or time.monotonic() - returned < IDLE_BEFORE_PING:
            return  # new, or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise InvalidatePoolError(str(error)) from error  # the pool retries
            raise
