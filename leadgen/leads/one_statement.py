"""A new lead on PostgreSQL: its row, consents and mails in one statement, one round trip.

The general path (leads/service.py) sends BEGIN, the lead, each consent, the mails and COMMIT:
five to seven round trips, each a wake-up of the server and of psycopg's Python. Here one
statement inserts the lead with ON CONFLICT DO NOTHING and, in data-modifying CTEs that select
from that insert, the consents and the mails
(https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING); it returns
the lead's id. Every id comes from its sequence's default: nothing in the rows needs one
beforehand (a mail's links are signed by the worker, leads/mails.py), except a part that shows
the lead's id, which is joined in SQL (the practice's notice's subject, "(#12)"). The consents,
and the mails, are one INSERT each, of rows in UNION ALL: they draw their ids in the order given.
A single statement in autocommit is its own transaction: all of it is stored, durably
(synchronous_commit), before it returns, or none of it. An address that already has a lead for
the offer inserts nothing and the caller takes the general path.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Text, bindparam, cast, func, select, union_all
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Compiled, Connection, Dialect

from leadgen import driver
from leadgen.models import Consent, Lead, OutboxMail

LEAD, CONSENT, OUTBOX = Lead.__table__, Consent.__table__, OutboxMail.__table__
PIECE = "__"  # "subject__0": the first literal of a subject in pieces


def insert_all(
    connection: Connection | driver.Pooled, lead: dict, consents: list[dict], mails: list[dict]
) -> int | None:
    """Insert `lead`, its consents and mails in one statement; the lead's id, or None when the
    address already had a lead for this offer (then nothing is stored). A mail's value may be
    pieces (literal, "id", literal, ...: leads/drafts.py), joined with the lead's id."""
    mails = [_spread(row) for row in mails]
    shape = (
        tuple(sorted(lead)),
        tuple(tuple(sorted(row)) for row in consents),
        tuple(tuple(sorted(row)) for row in mails),
    )
    prepared = _prepared(connection.dialect, shape)
    values = prepared.values(lead, consents, mails)
    return driver.fetch_one(connection, prepared.sql, values)[0]


def _spread(row: dict) -> dict:
    # A value in pieces becomes its literals, "subject__0", "subject__2", ...: `_prepared` puts
    # the lead's id between them.
    out = {}
    for key, value in row.items():
        if isinstance(value, tuple):
            out |= {f"{key}{PIECE}{i}": piece for i, piece in enumerate(value) if not i % 2}
        else:
            out[key] = value
    return out


class _Prepared:
    def __init__(self, compiled: Compiled, parts, dialect: Dialect) -> None:
        self.sql = compiled.string
        # Per row, in the order of the rows given: (parameter name, key) of each value the row
        # gives, and (parameter name, make) of each column default made here. Named once, so a
        # request only copies values across.
        self.parts = [
            (
                tuple((prefix + key, key) for key in keys),
                tuple((prefix + key, make) for key, make in defaults.items()),
            )
            for prefix, keys, defaults in parts
        ]
        self.convert = driver.bind_converters(compiled, dialect)

    def values(self, lead: dict, consents: list[dict], mails: list[dict]) -> dict:
        out = {}
        for (given, defaults), row in zip(self.parts, [lead, *consents, *mails], strict=True):
            for name, key in given:
                out[name] = row[key]
            for name, make in defaults:
                out[name] = make()
        for name, convert in self.convert.items():
            out[name] = convert(out[name])
        return out


@lru_cache(maxsize=32)
def _prepared(dialect: Dialect, shape) -> _Prepared:
    lead_keys, consent_shapes, mail_shapes = shape
    lead_defaults = driver.python_defaults(LEAD, lead_keys)
    lead_values = {
        key: bindparam(f"l_{key}", type_=LEAD.c[key].type) for key in (*lead_keys, *lead_defaults)
    }
    new_lead = (
        insert(LEAD)
        .values(lead_values)
        .on_conflict_do_nothing(index_elements=[LEAD.c.email, LEAD.c.kind])
        .returning(LEAD.c.id)
        .cte("new_lead")
    )
    parts, ctes = [("l_", lead_keys, lead_defaults)], []
    for table, shapes, name in ((CONSENT, consent_shapes, "c"), (OUTBOX, mail_shapes, "m")):
        if not shapes:
            continue
        columns = sorted({key.split(PIECE)[0] for key in shapes[0]} - {"lead_id"})
        defaults = driver.python_defaults(table, (*columns, "lead_id"))
        rows = []
        for i, keys in enumerate(shapes):
            keys = tuple(key for key in keys if key != "lead_id")
            if sorted({key.split(PIECE)[0] for key in keys}) != columns:
                raise ValueError(f"{table.name}: rows of one statement need the same columns")
            prefix = f"{name}{i}_"
            values = [_value(table, prefix, column, keys, new_lead) for column in columns]
            defaulted = (_bound(table, prefix, key) for key in defaults)
            rows.append(select(new_lead.c.id, *values, *defaulted))
            parts.append((prefix, keys, defaults))
        # One INSERT of the rows in UNION ALL: the ids are drawn in the order of the rows.
        chosen = union_all(*rows) if len(rows) > 1 else rows[0]
        target = ["lead_id", *columns, *defaults]
        ctes.append(insert(table).from_select(target, chosen).cte(f"{name}s"))
    statement = select(func.max(new_lead.c.id)).add_cte(*ctes)
    return _Prepared(statement.compile(dialect=dialect), parts, dialect)


def _bound(table, prefix: str, key: str):
    column = table.c[key]
    return cast(bindparam(prefix + key, type_=column.type), column.type)


def _value(table, prefix: str, column: str, keys: tuple[str, ...], new_lead):
    """A column's value: bound, or its literals joined with the new lead's id."""
    if column in keys:
        return _bound(table, prefix, column)
    literals = sorted((k for k in keys if k.startswith(column + PIECE)), key=_piece_number)
    joined = []
    for literal in literals:
        if joined:
            joined.append(cast(new_lead.c.id, Text))
        joined.append(bindparam(prefix + literal, type_=Text))
    return cast(func.concat(*joined), table.c[column].type)


def _piece_number(key: str) -> int:
    return int(key.rsplit(PIECE, 1)[1])
