"""SQL helpers shared by the addon's set-based code."""
import hashlib
import io
import re
import struct
import tempfile
import threading
import weakref

import numpy as np

_NAMED_PARAMETER = re.compile(r'%\((\w+)\)s|%%')

# {cursor: names of the statements prepared on its connection}. Per cursor: Odoo's pool resets
# a connection when a new cursor borrows it (psycopg2's reset runs DISCARD ALL).
_PREPARED = weakref.WeakKeyDictionary()


def execute_prepared(cr, query, params):
    """Execute query (psycopg2 %(name)s placeholders) as a prepared statement of cr's
    connection, planned once with a generic plan and reused by every later call on that
    connection. For wide statements run for one record at a time, where PostgreSQL spends
    more time planning than executing. The statement is named after its text, so a changed
    query (module update) gets a new one. Parameter types are inferred by PostgreSQL: cast
    the placeholders it cannot infer (e.g. %(uid)s::integer in a SELECT list)."""
    names = []

    def positional(match):
        if match.group(0) == '%%':
            return '%'
        if match.group(1) not in names:
            names.append(match.group(1))
        return '$%d' % (names.index(match.group(1)) + 1)
    text = _NAMED_PARAMETER.sub(positional, query)
    name = 'crm_erp_' + hashlib.sha1(text.encode()).hexdigest()[:16]
    # what this cursor prepared (a prepared statement outlives a rollback): asked once
    prepared = _PREPARED.setdefault(cr, set())
    if name not in prepared:
        cr.execute('SELECT 1 FROM pg_prepared_statements WHERE name = %s', [name])
        if not cr.fetchone():
            # PREPARE takes no parameters: the name is a hash, the text the caller's query (its
            # values stay parameters, $1...)
            cr.execute('PREPARE %s AS %s' % (name, text))  # pylint: disable=sql-injection
        prepared.add(name)
    execute = 'EXECUTE %s (%s)' % (name, ', '.join(['%s'] * len(names)))
    if cr._cnx.server_version >= 120000:
        # prepared statements only (Odoo runs none): plan once, not again for each of the first
        # calls; in the same round trip
        execute = 'SET LOCAL plan_cache_mode = force_generic_plan; ' + execute
    cr.execute(execute, [params[key] for key in names])


def array_literal(values):
    """A PostgreSQL array literal of numbers ('{1,2.5}', text), for a statement that casts its
    placeholder (%(name)s::float[]): psycopg2 sends a list as ARRAY[v1, v2, ...], one constant
    a value that the server parses and casts one by one (seconds for a few hundred thousand
    values), a literal as one string that the array's input function reads in one go."""
    return '{%s}' % ','.join(map(repr, values))


# PostgreSQL's binary COPY format: signature, flags, header extension length; every row is
# its number of fields then (length, value) per field; the end is a field count of -1.
_COPY_SIGNATURE = b'PGCOPY\n\xff\r\n\x00'
_COPY_HEADER = _COPY_SIGNATURE + struct.pack('>ii', 0, 0)
_COPY_TRAILER = struct.pack('>h', -1)


# numpy big-endian field types of binary COPY per PostgreSQL type; dates are days since 2000-01-01.
_COPY_TYPES = {'int4': '>i4', 'float8': '>f8', 'bool': 'u1', 'date': '>i4'}
_POSTGRES_EPOCH = np.datetime64('2000-01-01', 'D')


def _row_dtype(types):
    """A binary COPY row of non-null fields of these types (_COPY_TYPES), as a numpy record."""
    fields = [('fields', '>i2')]
    for index, kind in enumerate(types):
        fields += [('length%d' % index, '>i4'), ('value%d' % index, _COPY_TYPES[kind])]
    return np.dtype(fields)


def _int_row_dtype(columns):
    """A binary COPY row of `columns` non-null int4 fields, as a numpy record."""
    return _row_dtype(('int4',) * columns)


def fetch_columns(cr, query, params, types):
    """Run query (psycopg2 placeholders, bound by psycopg2 as cr.execute does) and return its
    columns as numpy arrays, through one binary COPY: millions of rows in a fraction of the
    time of fetchall() (no Python object per value). types: per column 'int4' (int32),
    'float8' (float64), 'bool' or 'date' (datetime64 days); every column must be non-null and
    of its type (cast in the query: ::int4, ::float8): anything else raises ValueError."""
    buffer = io.BytesIO()
    _copy_to(cr, query, params, buffer)
    data = buffer.getbuffer()
    extension = struct.unpack_from('>i', data, len(_COPY_SIGNATURE) + 4)[0]
    return _columns(data[len(_COPY_HEADER) + extension:len(data) - len(_COPY_TRAILER)], types)


def fetch_int_columns(cr, query, params, columns):
    """fetch_columns of `columns` int4 columns (int32 arrays)."""
    return fetch_columns(cr, query, params, ('int4',) * columns)


def _columns(body, types):
    """The columns of binary COPY rows of non-null fields of these types."""
    dtype = _row_dtype(types)
    if len(body) % dtype.itemsize:
        raise ValueError('fetch_columns: the query does not return columns of types %s' % (types,))
    rows = np.frombuffer(body, dtype)
    if (rows['fields'] != len(types)).any() or any(
            (rows['length%d' % index] != np.dtype(_COPY_TYPES[kind]).itemsize).any()
            for index, kind in enumerate(types)):
        raise ValueError('fetch_columns: the query does not return non-null columns of types %s' % (types,))
    native = {'int4': np.int32, 'float8': np.float64, 'bool': bool, 'date': np.int64}
    columns = [rows['value%d' % index].astype(native[kind]) for index, kind in enumerate(types)]
    return [_POSTGRES_EPOCH + values if kind == 'date' else values for values, kind in zip(columns, types)]


def stream_int_columns(cr, query, params, columns, consume, rows_per_batch=100000):
    """As fetch_int_columns, batch by batch of at most rows_per_batch rows: consume(*columns)
    for each batch, in the query's order. The rows are spooled to a temporary file as
    PostgreSQL sends them (one C-level write per row) and read back a batch at a time, so
    the memory held is one batch, whatever the number of rows."""
    with tempfile.TemporaryFile(prefix='crm_erp_copy_') as spool:
        _copy_to(cr, query, params, spool)
        _consume_spool(spool, ('int4',) * columns, consume, rows_per_batch)


def _copy_to(cr, query, params, spool):
    cr.copy_expert('COPY (%s) TO STDOUT WITH (FORMAT binary)' % cr.mogrify(query, params).decode(), spool)


def _consume_spool(spool, types, consume, rows_per_batch):
    row_size = _row_dtype(types).itemsize
    end = spool.tell()
    spool.seek(len(_COPY_SIGNATURE) + 4)
    spool.seek(struct.unpack('>i', spool.read(4))[0], io.SEEK_CUR)
    rows = (end - len(_COPY_TRAILER) - spool.tell()) // row_size
    for start in range(0, rows, rows_per_batch):
        consume(*_columns(spool.read(min(rows_per_batch, rows - start) * row_size), types))
    if spool.read() != _COPY_TRAILER:
        raise ValueError('stream_int_columns: the query does not return columns of types %s' % (types,))


class ParallelColumns:
    """stream_int_columns of a query (columns of fetch_columns' types) run by a second connection, in a
    thread, while the caller's connection works: both PostgreSQL backends (and the caller's
    Python) use a core each. The second transaction reads the caller's snapshot
    (pg_export_snapshot, SET TRANSACTION SNAPSHOT): the same rows as in the caller's
    transaction, provided that one wrote nothing yet (its own uncommitted rows are not in the
    snapshot): when it did, or when the second connection cannot be had, the query runs in the
    caller's transaction when consume() is called. The second transaction takes the caller's jit
    setting (a caller that turned PostgreSQL's JIT off for its scans wants it off there too: at
    XL the lines scan's cost passes the JIT threshold). Use: `with ParallelColumns(cr, connect,
    query, params, types) as stream: <other work on cr>; stream.consume(function)` (or
    stream.columns()). connect() -> a new cursor of the same database (closed here). types: per
    column, as fetch_columns'."""

    def __init__(self, cr, connect, query, params, types):
        self.cr, self.query, self.params, self.types = cr, query, params, types
        self.spool = tempfile.TemporaryFile(prefix='crm_erp_copy_')
        self.thread = self.error = None
        # PostgreSQL 9.6+; the jit setting is NULL before PostgreSQL 11
        cr.execute("SELECT txid_current_if_assigned() IS NULL, current_setting('jit', true)")
        free, jit = cr.fetchone()
        if free:
            cr.execute("SELECT pg_export_snapshot()")
            snapshot = cr.fetchone()[0]
            self.thread = threading.Thread(target=self._copy, args=(connect, snapshot, jit), daemon=True,
                                           name='crm_erp_parallel_copy')
            self.thread.start()

    def _copy(self, connect, snapshot, jit):
        try:
            with connect() as other:
                # first statement of its transaction (REPEATABLE READ, as every Odoo cursor)
                other.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                if jit is not None:
                    other.execute("SELECT set_config('jit', %s, true)", [jit])
                _copy_to(other, self.query, self.params, self.spool)
                other.rollback()  # it only read
        except Exception as error:  # re-raised by consume(), in the caller's thread
            self.error = error

    def consume(self, consume, rows_per_batch=100000):
        """consume(*columns) batch by batch, once the query's rows are all there."""
        if self.thread:
            self.thread.join()
            if self.error:
                raise self.error
        else:
            _copy_to(self.cr, self.query, self.params, self.spool)
        _consume_spool(self.spool, self.types, consume, rows_per_batch)

    def columns(self):
        """All the query's rows as columns (numpy arrays), as fetch_columns."""
        batches = []
        self.consume(lambda *columns: batches.append(columns))
        if not batches:
            return [_columns(b'', (kind,))[0] for kind in self.types]
        return [np.concatenate(values) for values in zip(*batches)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.thread:
            self.thread.join()  # the caller's transaction outlives the snapshot's export
        self.spool.close()


class ParallelIntColumns(ParallelColumns):
    """ParallelColumns of `columns` int4 columns."""

    def __init__(self, cr, connect, query, params, columns):
        super().__init__(cr, connect, query, params, ('int4',) * columns)


def copy_int_rows(cr, table, columns, arrays):
    """Insert one row per index of arrays (integer arrays, one per column) into table's
    columns (names from the code, never from input) with one binary COPY."""
    rows = np.empty(len(arrays[0]), _int_row_dtype(len(columns)))
    rows['fields'] = len(columns)
    for index, values in enumerate(arrays):
        rows['length%d' % index] = 4
        rows['value%d' % index] = values
    cr.copy_expert('COPY %s (%s) FROM STDIN WITH (FORMAT binary)' % (table, ', '.join(columns)),
                   io.BytesIO(_COPY_HEADER + rows.tobytes() + _COPY_TRAILER))


def copy_rows(cr, table, columns, arrays, types):
    """Insert one row per index of arrays (one array per column, none NULL) into table's columns
    (names from the code, never from input) with one binary COPY; types: per column 'int4',
    'float8', 'bool' or 'date' (an array of numpy datetime64 days)."""
    rows = np.empty(len(arrays[0]) if arrays else 0, _row_dtype(types))
    rows['fields'] = len(columns)
    for index, (values, kind) in enumerate(zip(arrays, types)):
        rows['length%d' % index] = np.dtype(_COPY_TYPES[kind]).itemsize
        if kind == 'date':
            values = (np.asarray(values, dtype='datetime64[D]') - _POSTGRES_EPOCH).astype(np.int64)
        rows['value%d' % index] = values
    cr.copy_expert('COPY %s (%s) FROM STDIN WITH (FORMAT binary)' % (table, ', '.join(columns)),
                   io.BytesIO(_COPY_HEADER + rows.tobytes() + _COPY_TRAILER))
