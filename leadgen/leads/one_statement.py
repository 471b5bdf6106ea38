"""A new lead on PostgreSQL: its row, consents and mails in one statement, in two round trips.

The general path (leads/service.py) sends BEGIN, the lead, each consent, the mails and COMMIT:
five to seven round trips, each a wake-up of the server and of psycopg's Python. Here the
lead's id (and the newsletter consent's, which its confirm link signs) is drawn from the
sequences first; the links are signed with them; then one statement inserts the lead with ON
CONFLICT DO NOTHING and, in data-modifying CTEs that select from that insert, the consents
and the mails (https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING).
A single statement in autocommit is its own transaction: all of it is stored, durably
(synchronous_commit), before it returns, or none of it. An address that already has a lead for
the offer inserts nothing and the caller takes the general path; the ids drawn are left unused,
as a rolled-back insert leaves them.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Compiled, Connection, Dialect

from leadgen import driver
from leadgen.models import Consent, Lead, OutboxMail

LEAD, CONSENT, OUTBOX = Lead.__table__, Consent.__table__, OutboxMail.__table__


@lru_cache(maxsize=16)
def _next_ids_sql(sequences: tuple[str, str, str], consents: int, mails: int) -> str:
    lead, consent, mail = (f"nextval('{name}'::regclass)" for name in sequences)
    return "SELECT " + ", ".join([lead] + [consent] * consents + [mail] * mails)


SEQUENCES = "leadgen_id_sequences"  # in a pooled connection's info: the sequences' names


def _sequences(connection: Connection) -> tuple[str, str, str]:
    # Looked up once per database connection: pg_get_serial_sequence in the draw itself cost
    # the server a catalog lookup per id, 28 of the draw's 69 microseconds (docs/performance.md).
    info = connection.info
    if SEQUENCES not in info:
        tables = (LEAD.name, CONSENT.name, OUTBOX.name)
        sql = "SELECT " + ", ".join(f"pg_get_serial_sequence('{t}', 'id')" for t in tables)
        info[SEQUENCES] = driver.fetch_one(connection, sql, ())
    return info[SEQUENCES]


def next_ids(connection: Connection, consents: int, mails: int) -> tuple[int, ...]:
    """Ids for a new lead, its consents and its mails, drawn from the sequences outside any
    transaction: the lead's and the newsletter consent's are signed into links, and the mails'
    keep the order they go out in (a CTE's rows get their defaults in no set order)."""
    sql = _next_ids_sql(_sequences(connection), consents, mails)
    return driver.fetch_one(connection, sql, ())


def insert_all(connection: Connection, lead: dict, consents: list[dict], mails: list[dict]) -> bool:
    """Insert `lead` (with its id), its consents and mails in one statement; False when the
    address already had a lead for this offer (then nothing is stored)."""
    shape = (
        tuple(sorted(lead)),
        tuple(tuple(sorted(row)) for row in consents),
        tuple(tuple(sorted(row)) for row in mails),
    )
    prepared = _prepared(connection.dialect, shape)
    values = prepared.values(lead, consents, mails)
    return bool(driver.fetch_one(connection, prepared.sql, values)[0])


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
        for i, keys in enumerate(shapes):
            keys = tuple(key for key in keys if key != "lead_id")
            defaults = driver.python_defaults(table, (*keys, "lead_id"))
            prefix = f"{name}{i}_"
            columns = [*keys, *defaults]
            row = select(
                new_lead.c.id,
                *(
                    cast(bindparam(prefix + key, type_=table.c[key].type), table.c[key].type)
                    for key in columns
                ),
            )
            ctes.append(insert(table).from_select(["lead_id", *columns], row).cte(f"{name}{i}"))
            parts.append((prefix, keys, defaults))
    statement = select(func.count()).select_from(new_lead).add_cte(*ctes)
    return _Prepared(statement.compile(dialect=dialect), parts, dialect)
