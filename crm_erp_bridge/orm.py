"""Odoo 11 glue for working on thousands of records at once.

Odoo 11's create() inserts one record at a time, and its recompute() writes every computed
value of every record with its own UPDATE and trigger searches: a few thousand purchase
lines cost minutes (docs/design-performance.md, "Pipeline demand and purchasing"). create_in_bulk and
write_in_bulk do what _create() and _write() do for a whole list of records at once;
prefetch_dependencies and display_names keep Odoo 11's prefetching from reading record by
record, or every column of every record."""
from collections import defaultdict

from psycopg2.extras import execute_values

from odoo.tools import float_repr, float_round


def display_names(records):
    """{record id: display name} of records, reading only what their name_get reads: Odoo 11
    otherwise reads every stored field of the records prefetched with them."""
    records = records.with_context(prefetch_fields=False)
    return dict(zip(records.ids, records.mapped('display_name')))


def prefetch_dependencies(records):
    """Read what the stored computed fields due on records depend on, path by path for all
    records at once, in the environment their compute runs in. Odoo 11's compute methods
    walk record by record (for order in self: for line in order.order_line), and its
    prefetching follows them: the lines of one order per query, each query scanning every
    line met before."""
    env = records.env
    for field in records._fields.values():
        if field.compute and field.store and env.check_todo(field, records):
            target = records.sudo() if field.compute_sudo else records  # as Odoo computes it
            for path in field.depends:
                target.mapped(path)


def create_in_bulk(model, vals_list):
    """Create one record of `model` (a recordset of the model) per dict of vals_list and
    return them, in one INSERT plus one per many2many field: values and defaults (one
    default_get) stored as _create() stores them, with the related copies of a column of a
    many2one's record (an order line's company_id = order_id.company_id); then every other
    stored computed field of the new records computed by its own compute method in memory
    and written with one UPDATE, and the fields of other records that depend on them marked
    for recomputation (the caller's recompute() updates them). Values: plain values of stored
    fields and many2many (6, 0, ids) commands. The model's create() overrides are not called:
    use it for models whose create() adds nothing but the ORM's own work (checked by the
    caller's tests), and for untranslated values."""
    model = model.browse()
    if not vals_list:
        return model
    model.check_access_rights('create')
    fields = model._fields
    stored = _stored_names(model)
    defaults = model.default_get(stored)
    # as _create(): booleans are False rather than NULL
    defaults.update({name: False for name in stored if fields[name].type == 'boolean' and name not in defaults})
    rows = [dict(defaults, **vals) for vals in vals_list]
    names = sorted({name for row in rows for name in row})
    relations = [name for name in names if fields[name].type == 'many2many']
    # related copies of the many2ones' records are inserted with the values
    copies = _related_copies(model, [field for field in fields.values() if field.store and field.related])
    copy_names = [field.name for pairs in copies.values() for field, _column in pairs]
    if set(copy_names) & set(names):
        raise ValueError('create_in_bulk: %s are copied from their record, not given' % ', '.join(
            sorted(set(copy_names) & set(names))))
    for many2one_name, pairs in copies.items():
        others = model.env[fields[many2one_name].comodel_name].browse(
            {row[many2one_name] for row in rows if row.get(many2one_name)})
        copied = {other.id: {field.name: other._fields[column].convert_to_write(other[column], other)
                             for field, column in pairs} for other in others}
        blank = {field.name: False for field, _column in pairs}
        for row in rows:
            row.update(copied.get(row.get(many2one_name), blank))
    columns = [name for name in names if name not in relations] + copy_names
    values = _column_values(model, columns, rows, computed=copy_names)
    cr = model.env.cr
    new_ids = [row[0] for row in execute_values(
        cr, 'INSERT INTO "%s" (%s, create_uid, write_uid, create_date, write_date) VALUES %%s RETURNING id' % (
            model._table, ', '.join('"%s"' % name for name in columns)),
        [value + [model.env.uid, model.env.uid] for value in values],
        template='(%s)' % ', '.join(['%s'] * (len(columns) + 2) + ["NOW() AT TIME ZONE 'UTC'"] * 2),
        page_size=len(values), fetch=True)]
    records = model.browse(new_ids)
    for name in relations:
        _insert_relation(records, fields[name], [row.get(name) or [] for row in rows])
    # as _create(): every field is new, so every stored computed field depending on one is due
    records.modified(list(fields))
    for name in copy_names:
        records._recompute_done(fields[name])
    # the new records as stored: the values, the other fields blank (no children yet)
    blank = dict.fromkeys(stored, False)
    _cache_as_stored(records, [
        dict(blank, **dict(zip(columns, column_values)), **{name: row.get(name) for name in relations})
        for row, column_values in zip(rows, values)])
    recompute_in_bulk(records)
    records._validate_fields(names)
    records.check_access_rule('create')
    return records


def write_in_bulk(records, vals_list):
    """Write vals_list[i] on records[i], one UPDATE for all: what write() does, for stored
    column values (the same names in every dict); then the stored computed fields of the
    records as create_in_bulk computes them, and the fields of other records that depend on
    them marked for recomputation (the caller's recompute() updates them). The model's
    write() overrides are not called: use it where they add nothing but the ORM's own work
    (checked by the caller's tests)."""
    if len(vals_list) != len(records) or any(sorted(vals) != sorted(vals_list[0]) for vals in vals_list):
        raise ValueError('write_in_bulk: one dict of the same names per record')
    if not records:
        return
    records.check_access_rights('write')
    records.check_access_rule('write')
    names = sorted(vals_list[0])
    values = _column_values(records, names, vals_list)
    execute_values(
        records.env.cr, 'UPDATE "%s" AS t SET %s, write_uid = d.write_uid, write_date = NOW() AT TIME ZONE \'UTC\' '
        'FROM (VALUES %%s) AS d(id, write_uid, %s) WHERE t.id = d.id' % (
            records._table, ', '.join('"{0}" = d."{0}"'.format(name) for name in names),
            ', '.join('"%s"' % name for name in names)),
        [[record_id, records.env.uid] + row for record_id, row in zip(records.ids, values)],
        template='(%s)' % ', '.join(['%s::int4'] * 2 + ['%%s::%s' % records._fields[name].column_type[1]
                                                        for name in names]),
        page_size=len(values))
    records.modified(names)
    _cache_as_stored(records, [dict(zip(names, column_values)) for column_values in values])
    recompute_in_bulk(records)
    records._validate_fields(names)


def _cache_as_stored(records, values_list):
    """Put values_list[i] (column values as stored, many2many commands) in cache for
    records[i]: what reading them back from the database would give."""
    for record, values in zip(records, values_list):
        record._cache.update(record._convert_to_cache(values, validate=False))


def _related_copies(model, candidates):
    """{many2one name: [(field, column)]} of the candidate fields of model that are stored
    copies of a column of a stored many2one's record (related=(many2one, column))."""
    copies = defaultdict(list)
    for field in candidates:
        if field.related and len(field.related) == 2 and field.column_type:
            many2one = model._fields[field.related[0]]
            target = model.env[many2one.comodel_name]._fields[field.related[1]]
            if many2one.type == 'many2one' and many2one.store and target.store and target.column_type \
                    and not target.translate:
                copies[many2one.name].append((field, target.name))
    return copies


def _stored_names(model):
    """The fields of model stored without a compute, but the magic ones."""
    return [name for name, field in model._fields.items() if field.store and not field.compute
            and name not in ('id', 'create_uid', 'create_date', 'write_uid', 'write_date')]


def _column_values(model, columns, rows, computed=()):
    """The values of columns in each row dict, as they are stored; ValueError for a name that
    is not a stored column of model without a compute (but the computed ones given)."""
    fields = model._fields
    unfit = [name for name in columns if name not in fields or not fields[name].column_type
             or name not in _stored_names(model) and name not in computed]
    if unfit:
        raise ValueError('%s: takes stored column values only, not %s' % (model._name, ', '.join(unfit)))
    converters = [_column_converter(fields[name]) for name in columns]
    return [[convert(row.get(name), model, row) for name, convert in zip(columns, converters)] for row in rows]


def _insert_relation(records, field, commands_list):
    pairs = []
    for record_id, commands in zip(records.ids, commands_list):
        for command in commands:
            if command[0] != 6:
                raise ValueError('create_in_bulk: only (6, 0, ids) commands for %s' % field.name)
            pairs.extend((record_id, other_id) for other_id in command[2])
    link_in_bulk(records.env.cr, field, pairs)


def link_in_bulk(cr, field, pairs):
    """Add the (record id, other id) pairs to the relation table of the many2many field, in one
    INSERT (pairs already there are kept). The caller invalidates the field in cache."""
    if pairs:
        cr.execute(
            'INSERT INTO "{table}" ("{column1}", "{column2}") SELECT * FROM unnest(%s::int[], %s::int[]) '
            'ON CONFLICT DO NOTHING'.format(table=field.relation, column1=field.column1, column2=field.column2),
            [[pair[0] for pair in pairs], [pair[1] for pair in pairs]])


def recompute_in_bulk(records):
    """recompute() of the records' own stored computed fields that are due: related copies of
    a column of a many2one's record in one UPDATE per many2one, the others computed in memory
    (one call per compute method for all records, as superuser for compute_sudo fields) and
    written in one UPDATE. A compute method that also sets a field without a column (a
    many2many) is left to recompute()."""
    env = records.env
    due = [field for field in records._fields.values()
           if field.compute and field.store and env.check_todo(field, records)]
    for many2one_name, pairs in _related_copies(records, due).items():
        env.cr.execute('UPDATE "{table}" AS t SET {sets} FROM "{other}" AS o WHERE o.id = t."{many2one}" '
                       'AND t.id = ANY(%s)'.format(
                           table=records._table, other=env[records._fields[many2one_name].comodel_name]._table,
                           many2one=many2one_name,
                           sets=', '.join('"%s" = o."%s"' % (field.name, column) for field, column in pairs)),
                       [records.ids])
        # as _write(): what depends on them is due; the same copies in cache, from the
        # many2one's records
        records.modified([field.name for field, _column in pairs])
        for field, column in pairs:
            records._recompute_done(field)
            for record in records:
                env.cache.set(record, field, field.convert_to_cache(record[many2one_name][column], record))
    written = []  # (field, the records in the environment it was computed in)
    for field in due:
        computed = [other for other in records._field_computed[field] if other.store]
        if not env.check_todo(field, records) or not all(other.column_type for other in computed):
            continue
        target = records.sudo() if field.compute_sudo else records  # as Odoo computes it
        field.compute_value(target)
        for other in computed:
            records._recompute_done(other)
            written.append((other, target))
    if not written:
        return
    columns = [[convert(field.convert_to_write(record[field.name], record), record) for record in target]
               for (field, target), convert in zip(written, [_column_converter(field) for field, _target in written])]
    rows = [[record_id] + list(values) for record_id, values in zip(records.ids, zip(*columns))]
    execute_values(
        env.cr, 'UPDATE "%s" AS t SET %s FROM (VALUES %%s) AS d(id, %s) WHERE t.id = d.id' % (
            records._table, ', '.join('"{0}" = d."{0}"'.format(field.name) for field, _target in written),
            ', '.join('"%s"' % field.name for field, _target in written)),
        rows, template='(%s)' % ', '.join(
            ['%s::int4'] + ['%%s::%s' % field.column_type[1] for field, _target in written]),
        page_size=len(rows))
    # as _write(): what depends on them is due; the values stay in cache as written
    records.modified([field.name for field, _target in written])
    for (field, target), column in zip(written, columns):
        for record, value in zip(target, column):
            env.cache.set(record, field, field.convert_to_cache(value, record, validate=False))


def _column_converter(field):
    """field.convert_to_column, for a float of a decimal precision with its digits looked up
    once: Odoo 11 looks them up for every value (a new Environment and a cache lookup), then
    converts as Float.convert_to_column does."""
    digits = field.digits if field.type == 'float' and callable(field._digits) else None
    if not digits:
        return field.convert_to_column
    scale = digits[1]
    return lambda value, record, values=None: float_repr(
        float_round(float(value or 0.0), precision_digits=scale), precision_digits=scale)
