"""Statements of a fixed shape, built with the ORM once per database connection and then run with new values: the
ORM's work of building and compiling a queryset (most of a heartbeat's CPU: under cProfile over half the handler's
time, SQLite's own execution ~1 %) is done once per server thread instead of on every request.

    _SESSION = Prepared(lambda: Session.objects.select_related("user").filter(pk=Arg("pk", UUIDField())))
    session = _SESSION.first(pk=session_id)       # model instances, select_related included
    _BEAT = PreparedUpdate(lambda: Session.objects.filter(pk=Arg("pk", UUIDField())),
                           seen_at=Arg("now", DateTimeField()))
    changed = _BEAT.run(pk=session_id, now=clock.now())

The queryset is written as usual, with `Arg(name, field)` where a value changes from one run to the next. What runs
is exactly the SQL the ORM compiles for that queryset, each value prepared for the database by its field as the ORM
prepares a literal (Value), and the rows come back through the ORM's own iterables (converters, select_related,
values_list): a prepared read returns what the same queryset would. A builder must give one shape whatever the
values: an argument that would change the shape (an optional filter) makes a Prepared of its own.

The library that did this, django-prepared-queries, supports Django < 2.2 only; this is the small part of it needed
here. tests/core/test_prepared.py checks each kind against the plain queryset (on PostgreSQL too)."""

import copy
import threading
from collections.abc import Callable

from django.db import connections, router, transaction
from django.db.models import QuerySet, Value
from django.db.models.sql import UpdateQuery


class _Slot:
    """Where an Arg's value goes in the compiled parameters."""

    __slots__ = ("field", "for_save", "name")

    def __init__(self, name: str, field, for_save: bool):
        self.name, self.field, self.for_save = name, field, for_save

    def bind(self, values: dict, connection):
        value = values[self.name]
        if self.for_save:  # as Value.as_sql prepares a literal
            return self.field.get_db_prep_save(value, connection=connection)
        return self.field.get_db_prep_value(value, connection=connection)


class Arg(Value):
    """A value given by name when the prepared statement runs, prepared for the database by `output_field`."""

    def __init__(self, name: str, output_field):
        if hasattr(output_field, "get_placeholder"):
            raise TypeError(f"{type(output_field).__name__} writes its own placeholder: not preparable")
        super().__init__(None, output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Slot(self.name, self.output_field, self.for_save)]

    def __repr__(self):
        return f"Arg({self.name!r})"


def _bind(params, values: dict, connection) -> list:
    return [p.bind(values, connection) if type(p) is _Slot else p for p in params]


class _Compiled:
    """One compiled statement per thread (its own connection), compiled again if the thread's connection object is
    replaced."""

    def __init__(self, compile_):
        self._compile, self._local = compile_, threading.local()

    def get(self):
        entry = getattr(self._local, "entry", None)
        if entry is None or entry[0] is not connections[entry[0].alias]:
            entry = self._local.entry = self._compile()
        return entry


class Prepared:
    """A read: `build()` gives the queryset (with Arg where values go; ordered and sliced as the caller needs)."""

    def __init__(self, build: Callable[[], QuerySet]):
        self._build = build
        self._compiled = _Compiled(self._compile)

    def _compile(self):
        template = self._build()
        compiler = template.query.get_compiler(using=template.db)
        sql, params = compiler.as_sql()  # sets up the compiler's select, klass_info and annotations, kept
        return compiler.connection, compiler, sql, params, template

    def all(self, **values) -> list:
        """The rows the queryset gives for these values: model instances, or tuples for values_list."""
        connection, compiler, sql, params, template = self._compiled.get()
        bound = copy.copy(compiler)
        bound_params = _bind(params, values, connection)
        bound.as_sql = lambda *args, **kwargs: (sql, bound_params)
        query = copy.copy(template.query)  # a shallow copy that only hands out the bound compiler
        query.get_compiler = lambda *args, **kwargs: bound
        queryset = QuerySet(model=template.model, query=query, using=compiler.using)
        queryset._iterable_class, queryset._fields = template._iterable_class, template._fields
        return list(queryset)

    def first(self, **values):
        """The first row, or None (the builder orders and limits as .first() would, if it matters)."""
        rows = self.all(**values)
        return rows[0] if rows else None


class PreparedUpdate:
    """`build().update(**fields)` (fields' values may be Arg); run() returns how many rows changed."""

    def __init__(self, build: Callable[[], QuerySet], **fields):
        self._build, self._fields = build, fields
        self._compiled = _Compiled(self._compile)

    def _compile(self):
        queryset = self._build()
        using = router.db_for_write(queryset.model)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(self._fields)
        query.clear_ordering(force=True)
        if query.related_updates or query.annotations:
            raise TypeError("only an UPDATE of one table without annotations can be prepared")
        sql, params = query.get_compiler(using=using).as_sql()
        return connections[using], sql, params

    def run(self, **values) -> int:
        connection, sql, params = self._compiled.get()
        with transaction.mark_for_rollback_on_error(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(sql, _bind(params, values, connection))
            return cursor.rowcount
