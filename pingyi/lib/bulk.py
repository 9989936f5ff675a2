"""Writing many rows of one table at once: spooled to a temporary file, then loaded in bulk.

An import checks every row before it writes any, and must not hold the
rows in memory meanwhile: `Spool.add` encodes each checked row the way the
database will take it and appends it to an anonymous temporary file (gone
when closed, or when the process dies); `Spool.load`, inside the caller's
transaction, sends the file to the database: PostgreSQL's COPY FROM STDIN
in text format, SQLite's executemany in chunks. One column, `late`, is
given only then (an import's batch id, known once its batch row exists).

Values are stored exactly as the ORM would store them: each column is
encoded from its model field (its default where the rows do not give it,
`pre_save` for the constants, the backend's own adaptation of datetimes,
decimals and JSON), so a row loaded here reads back equal to one saved by
`bulk_create`.
"""

import json
import marshal
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii

from django.db import connection, models

# Rows per chunk of the spool: per INSERT call on SQLite, per progress report.
CHUNK = 10_000
# Distinct datetimes whose encoding is remembered per column (imports keep days only).
REMEMBERED = 50_000
# SQLite's page cache (KiB) while loading: the default 2 MB thrashes once a table's
# indexes outgrow it, and a load is one long write. Restored afterwards.
SQLITE_CACHE_KIB = 64 * 1024
COPY_NULL = "\\N"
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

Progress = Callable[[int], None]


class Spool:
    """Rows of `model` (values of `fields`, in order) waiting in a temporary file to be loaded."""

    def __init__(self, model: type[models.Model], fields: Sequence[str], *, fixed: dict, late: str):
        self.model = model
        self.vendor = connection.vendor
        if self.vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"bulk loading is not written for {self.vendor}")
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        by_name.update({f.name: f for f in model._meta.concrete_fields})
        self.fields = [by_name[name] for name in fields]
        self.late = by_name[late]
        given = {f.attname for f in self.fields} | {self.late.attname}
        instance = model(**fixed)
        self.constants = [
            f
            for f in model._meta.concrete_fields
            if f.attname not in given and not (f.primary_key and isinstance(f, models.AutoField))
        ]
        constant_values = [f.pre_save(instance, add=True) for f in self.constants]
        self._encoders = [self._encoder(f) for f in self.fields]
        self._constants = [
            self._encoder(f)(v) for f, v in zip(self.constants, constant_values, strict=True)
        ]
        # Closed by close(): the spool outlives this call (SIM115).
        self._file = tempfile.TemporaryFile(prefix="pingyi-spool-")  # noqa: SIM115
        self._chunks: list[tuple[int, int]] = []  # (bytes, rows) of each chunk written
        self._pending: list = []

    def __enter__(self) -> "Spool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def add(self, values: Iterable) -> None:
        """Append one row (the values of `fields`, in order)."""
        encoded = [encode(value) for encode, value in zip(self._encoders, values, strict=True)]
        if self.vendor == "postgresql":
            self._pending.append("\t".join(encoded))
        else:
            self._pending.append(tuple(encoded))
        if len(self._pending) == CHUNK:
            self._flush()

    def load(self, late_value: int, progress: Progress | None = None) -> int:
        """Write every row in the caller's transaction; the number of rows the database took."""
        if not connection.in_atomic_block:
            raise RuntimeError("a spool is loaded inside the transaction that needs its rows")
        self._flush()
        self._file.seek(0)
        load = self._copy if self.vendor == "postgresql" else self._insert
        return load(int(late_value), progress)

    # --- PostgreSQL: COPY FROM STDIN, text format ----------------------------------------------

    def _copy(self, late_value: int, progress: Progress | None) -> int:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in [*self.fields, *self.constants, self.late])
        statement = f"COPY {quote(self.model._meta.db_table)} ({columns}) FROM STDIN"
        # The constants and the late column end every line; a raw newline ends only lines.
        tail = "".join("\t" + text for text in [*self._constants, str(late_value)])
        end_of_line = (tail + "\n").encode()
        written = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with raw.copy(statement) as copy:
                for size, rows in self._chunks:
                    copy.write(self._file.read(size).replace(b"\n", end_of_line))
                    written += rows
                    if progress:
                        progress(written)
            copied = raw.rowcount
            # The foreign keys (deferred) are checked now rather than at commit, which
            # may come after the caller has taken other locks (the audit chain's head).
            connection.check_constraints()
        return copied

    # --- SQLite: executemany, one chunk at a time ----------------------------------------------

    def _insert(self, late_value: int, progress: Progress | None) -> int:
        quote = connection.ops.quote_name
        fields = [*self.fields, *self.constants, self.late]
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * (len(fields) - 1))
        # Quoted names, and the late value is an int we were given, never text from the file.
        statement = (
            f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({marks}, {late_value:d})"
        )
        constants = tuple(self._constants)
        written = loaded = 0
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache_size = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB:d}")
            try:
                for size, rows in self._chunks:
                    chunk = marshal.loads(self._file.read(size))  # noqa: S302 (our own spool)
                    cursor.executemany(statement, [row + constants for row in chunk])
                    written += cursor.rowcount
                    loaded += rows
                    if progress:
                        progress(loaded)
            finally:
                cursor.execute(f"PRAGMA cache_size = {cache_size:d}")
        return written

    # --- encoding ------------------------------------------------------------------------------

    def _flush(self) -> None:
        if not self._pending:
            return
        if self.vendor == "postgresql":
            data = ("\n".join(self._pending) + "\n").encode()
            self._file.write(data)
            size = len(data)
        else:
            start = self._file.tell()
            marshal.dump(self._pending, self._file)
            size = self._file.tell() - start
        self._chunks.append((size, len(self._pending)))
        self._pending = []

    def _encoder(self, field: models.Field) -> Callable:
        """value → what the spool keeps: COPY text on PostgreSQL, a plain value on SQLite."""
        kind = field.get_internal_type()
        ops = connection.ops
        copy = self.vendor == "postgresql"
        if kind == "JSONField":
            dumps = _json_dumps(field.encoder)

            def json_value(value):
                if value is None:
                    return COPY_NULL if copy else None
                return copy_text(dumps(value)) if copy else dumps(value)

            return json_value
        if kind in ("CharField", "TextField", "SlugField", "EmailField"):
            return _text(copy)  # cheap to encode, and free text rarely repeats
        if kind == "DateTimeField":
            # Adapting one (to UTC text on SQLite) costs more than remembering it.
            return _remembered(_typed(ops.adapt_datetimefield_value, copy))
        if kind == "DateField":
            return _remembered(_typed(ops.adapt_datefield_value, copy))
        if kind == "DecimalField":

            def adapt(value):
                return ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
        elif kind in (
            "AutoField",
            "BigAutoField",
            "IntegerField",
            "BigIntegerField",
            "PositiveIntegerField",
            "PositiveBigIntegerField",
            "PositiveSmallIntegerField",
            "SmallIntegerField",
            "ForeignKey",
            "BooleanField",
        ):

            def adapt(value):
                return value
        else:
            raise NotImplementedError(f"bulk loading of {kind} ({field.name}) is not written")
        return _typed(adapt, copy)


def _json_dumps(encoder) -> Callable[[object], str]:
    """json.dumps(value, cls=encoder) as JSONField stores it, quicker for a flat dict of text."""
    if encoder is not None:
        return lambda value: json.dumps(value, cls=encoder)
    quoted = encode_basestring_ascii  # what json.dumps writes for a str, in C

    def dumps(value) -> str:
        if type(value) is dict:
            try:
                return (
                    "{" + ", ".join([quoted(k) + ": " + quoted(v) for k, v in value.items()]) + "}"
                )
            except TypeError:  # a key or value that is not text: the general encoder
                pass
        return json.dumps(value)

    return dumps


def copy_text(text: str) -> str:
    """A value as a field of COPY's text format: backslash, tab and line ends escaped."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(COPY_ESCAPES)
    return text


def _text(copy: bool) -> Callable:
    if copy:
        return lambda value: COPY_NULL if value is None else copy_text(value)
    return lambda value: value


def _typed(adapt: Callable, copy: bool) -> Callable:
    def encode(value):
        value = adapt(value)
        if value is None:
            return COPY_NULL if copy else None
        if isinstance(value, bool):
            return ("t" if value else "f") if copy else int(value)
        if isinstance(value, datetime | date):
            return value.isoformat() if copy else str(value)
        if isinstance(value, int) and not copy:
            return value
        if isinstance(value, Decimal | int | str):
            # Decimals as their exact text, which is how Django's SQLite backend binds them too.
            return str(value)
        raise TypeError(f"cannot bulk load a {type(value).__name__}")

    return encode


def _remembered(encode: Callable) -> Callable:
    """encode, remembering up to REMEMBERED results (a column's values repeat)."""
    known: dict = {}

    def remembered(value):
        found = known.get(value, known)
        if found is known:
            found = encode(value)
            if len(known) < REMEMBERED:
                known[value] = found
        return found

    return remembered
