"""Records that cannot be rewritten: database triggers that refuse an UPDATE or a DELETE of protected
rows (whatever the path: ORM, queryset, cascade, raw SQL), and the same refusal at the Python level.

Database side, in a migration::

    from frenchtech.programme.records import ProtectRows, changed

    operations = [
        ProtectRows("labels_decision", "labels_decision_published", update_when=True, delete_when=True,
                    message="labels_decision rows are published records and cannot be changed; "
                            "record a correction"),
        ProtectRows("jury_review", "jury_review_submitted",
                    update_when="OLD.submitted_at IS NOT NULL", delete_when="OLD.submitted_at IS NOT NULL"),
        ProtectRows("dossiers_call", "dossiers_call_published",
                    update_when="OLD.published_at IS NOT NULL AND " + changed("audit_dir", "published_at")),
    ]

Python side, on the model::

    from frenchtech.programme.records import Protection, ProtectedModel, ProtectedQuerySet

    class Review(ProtectedModel):
        protection = Protection(update_when=Q(submitted_at__isnull=False), delete_when=Q(submitted_at__isnull=False))
        objects = ProtectedQuerySet.as_manager()

The triggers are the guarantee; the Python refusal only gives a clean error earlier. Both raise with a
message naming the table. TRUNCATE, DROP TRIGGER and DROP TABLE are schema operations, outside what
row triggers can see: they need the database owner's rights.
"""
from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass

from django.db import connection as default_connection
from django.db import models
from django.db.migrations.operations.base import Operation

__all__ = ["ProtectRows", "ProtectedModel", "ProtectedQuerySet", "ProtectedRecordError", "Protection", "changed",
           "lifted"]

DEFAULT_MESSAGE = "{table} rows are protected records and cannot be changed"
_SUFFIXES = ("_refuse_update", "_refuse_delete")


class ProtectedRecordError(Exception):
    """A protected row was to be updated or deleted (raised by the Python-level checks)."""


def changed(*columns: str) -> str:
    """SQL condition, valid in SQLite and PostgreSQL trigger WHEN clauses: any of ``columns`` differs
    between OLD and NEW (NULL-safe; JSON columns compare as jsonb on PostgreSQL, as text on SQLite)."""
    if not columns:
        raise ValueError("changed() needs at least one column")
    return "(" + " OR ".join(f'NEW."{c}" IS DISTINCT FROM OLD."{c}"' for c in columns) + ")"


class ProtectRows(Operation):
    """Migration operation: BEFORE UPDATE / BEFORE DELETE triggers on ``table`` refusing the change.

    ``ProtectRows(table, name, update_when=None, delete_when=None, message=None)``

    - ``table``: the database table (``Model._meta.db_table``), e.g. ``"labels_decision"``.
    - ``name``: a short unique identifier (letters, digits, underscores); the triggers are named
      ``<name>_refuse_update`` and ``<name>_refuse_delete`` and, on PostgreSQL, the function ``<name>_refuse``.
    - ``update_when`` / ``delete_when``: ``None`` (no trigger), ``True`` (always refuse) or an SQL condition
      on ``OLD."col"`` / ``NEW."col"`` (``NEW`` only for updates) valid in both SQLite and PostgreSQL
      trigger WHEN clauses: ``=``, ``<>``, ``IS NULL``, ``IS DISTINCT FROM`` (see ``changed()``), AND, OR,
      NOT, literals in single quotes; no sub-queries (PostgreSQL refuses them in WHEN).
    - ``message``: the error text (``{table}`` is replaced by the table name); the default is
      "<table> rows are protected records and cannot be changed".

    The refusal is an integrity error on both databases (SQLite ``RAISE(ABORT, ...)``, PostgreSQL SQLSTATE
    23000), so Django raises ``django.db.IntegrityError``. Reversible: backwards drops the triggers.
    On SQLite, a later migration that rebuilds the table (most AlterField/RemoveField) drops its triggers:
    such a migration must apply ProtectRows again after the change.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, name: str, update_when=None, delete_when=None, message: str | None = None):
        if not name.replace("_", "").isalnum():
            raise ValueError(f"ProtectRows name {name!r}: letters, digits and underscores only")
        if update_when is None and delete_when is None:
            raise ValueError("ProtectRows needs update_when or delete_when")
        self.table, self.name = table, name
        self.update_when, self.delete_when, self.message = update_when, delete_when, message

    def deconstruct(self):
        kwargs = {"table": self.table, "name": self.name}
        for key in ("update_when", "delete_when", "message"):
            if getattr(self, key) is not None:
                kwargs[key] = getattr(self, key)
        return self.__class__.__qualname__, [], kwargs

    def describe(self):
        return f"Protect rows of {self.table} ({self.name})"

    @property
    def migration_name_fragment(self):
        return f"protect_{self.name}"

    def state_forwards(self, app_label, state):
        pass

    def text(self) -> str:
        return (self.message or DEFAULT_MESSAGE).replace("{table}", self.table)

    def _events(self):
        return [(event, when) for event, when in (("UPDATE", self.update_when), ("DELETE", self.delete_when))
                if when is not None and when is not False]

    def create_sql(self, vendor: str) -> list[str]:
        q = lambda s: s.replace("'", "''")
        out = []
        if vendor == "postgresql":
            out.append(f'CREATE OR REPLACE FUNCTION "{self.name}_refuse"() RETURNS trigger LANGUAGE plpgsql AS '
                       f"$records$ BEGIN RAISE EXCEPTION USING MESSAGE = '{q(self.text())}', ERRCODE = '23000'; "
                       "END $records$")
        for event, when in self._events():
            trigger = f'"{self.name}_refuse_{event.lower()}"'
            if vendor == "postgresql":
                cond = "" if when is True else f" WHEN ({when})"
                out.append(f'CREATE TRIGGER {trigger} BEFORE {event} ON "{self.table}" FOR EACH ROW{cond} '
                           f'EXECUTE FUNCTION "{self.name}_refuse"()')
            elif vendor == "sqlite":
                if when is not True and sqlite3.sqlite_version_info < (3, 39):
                    when = when.replace(" IS DISTINCT FROM ", " IS NOT ")  # same meaning, older syntax
                cond = "" if when is True else f" WHEN {when}"
                out.append(f'CREATE TRIGGER {trigger} BEFORE {event} ON "{self.table}" FOR EACH ROW{cond} '
                           f"BEGIN SELECT RAISE(ABORT, '{q(self.text())}'); END")
            else:
                raise NotImplementedError(f"ProtectRows: no triggers for the {vendor} database")
        return out

    def drop_sql(self, vendor: str) -> list[str]:
        out = []
        for event, _when in self._events():
            trigger = f'"{self.name}_refuse_{event.lower()}"'
            out.append(f'DROP TRIGGER IF EXISTS {trigger} ON "{self.table}"' if vendor == "postgresql"
                       else f"DROP TRIGGER IF EXISTS {trigger}")
        if vendor == "postgresql":
            out.append(f'DROP FUNCTION IF EXISTS "{self.name}_refuse"()')
        return out

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for sql in self.create_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for sql in self.drop_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)


def installed(connection=None) -> dict[str, str]:
    """{trigger name: table} of the ProtectRows triggers present in the database."""
    connection = connection or default_connection
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                        "WHERE NOT t.tgisinternal")
        else:
            cur.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        return {name: table for name, table in cur.fetchall() if name.endswith(_SUFFIXES)}


@contextlib.contextmanager
def lifted(connection=None):
    """Drop the ProtectRows triggers for the block, put them back after (the same definitions).

    For test teardown (SQLite's flush empties tables with DELETE, which the triggers refuse) and
    deliberate maintenance only: lifting is itself a schema change, open only to the database owner."""
    connection = connection or default_connection
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                        "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal")
        else:
            cur.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        saved = [row for row in cur.fetchall() if row[0].endswith(_SUFFIXES)]
        for name, table, _sql in saved:
            cur.execute(f'DROP TRIGGER "{name}" ON "{table}"' if connection.vendor == "postgresql"
                        else f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cur:
            for _name, _table, sql in saved:
                cur.execute(sql)


# ---------------------------------------------------------------------------------------------------------
# Python level

@dataclass(frozen=True)
class Protection:
    """Which stored rows refuse a change, at the Python level (mirror of the model's ProtectRows).

    ``update_when`` / ``delete_when``: ``True`` (every stored row), a ``Q`` on the stored row (e.g.
    ``Q(submitted_at__isnull=False)``) or ``None`` (never). ``fields``: the fields that may not change on a
    locked row (``None``: none may, any save is refused). ``message``: as for ProtectRows."""

    update_when: object = True
    delete_when: object = True
    fields: tuple[str, ...] | None = None
    message: str = DEFAULT_MESSAGE

    def text(self, model) -> str:
        return self.message.replace("{table}", model._meta.db_table)


def _locked(queryset, when):
    if when is None or when is False:
        return queryset.none()
    return queryset if when is True else queryset.filter(when)


class ProtectedQuerySet(models.QuerySet):
    """Refuses ``update()`` and ``delete()`` touching rows the model's ``protection`` locks
    (``ProtectedRecordError``). Use ``objects = ProtectedQuerySet.as_manager()``; the model sets
    ``protection = Protection(...)`` (default: every row locked, for update and delete)."""

    def _protection(self) -> Protection:
        return getattr(self.model, "protection", None) or Protection()

    def update(self, **kwargs):
        p = self._protection()
        names = {self.model._meta.get_field(k).name for k in kwargs}
        if (p.fields is None or names & set(p.fields)) and _locked(self, p.update_when).exists():
            raise ProtectedRecordError(p.text(self.model))
        return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        p = self._protection()
        if _locked(self, p.delete_when).exists():
            raise ProtectedRecordError(p.text(self.model))
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


class ProtectedModel(models.Model):
    """Abstract base: ``save()`` and ``delete()`` of a locked row raise ``ProtectedRecordError``.
    A save is refused when the stored row is locked and one of ``protection.fields`` differs (any save
    when ``fields`` is None); ``save(update_fields=...)`` outside those fields stays allowed."""

    protection = Protection()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        p = self.protection
        if self.pk is not None and p.update_when not in (None, False) and not self._state.adding:
            stored = _locked(type(self)._base_manager.filter(pk=self.pk), p.update_when)
            update_fields = kwargs.get("update_fields")
            if p.fields is None:
                if stored.exists():
                    raise ProtectedRecordError(p.text(type(self)))
            else:
                names = [f for f in p.fields if update_fields is None or f in update_fields]
                attnames = [self._meta.get_field(f).attname for f in names]
                row = stored.values(*attnames).first() if attnames else None
                if row is not None and any(row[a] != getattr(self, a) for a in attnames):
                    raise ProtectedRecordError(p.text(type(self)))
        super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        p = self.protection
        if self.pk is not None and _locked(type(self)._base_manager.filter(pk=self.pk), p.delete_when).exists():
            raise ProtectedRecordError(p.text(type(self)))
        return super().delete(*args, **kwargs)

    delete.alters_data = True
