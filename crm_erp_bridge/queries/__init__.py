"""Every SQL text of the addon's business code, as named and documented functions grouped by
domain (docs/architecture.md). A function takes the cursor (`cr`) and plain values, binds every
value as a parameter and returns plain Python data (rows, dicts, ids); models call these, and
hold no SQL text themselves. Fragments shared by several queries (the counted order line, the
unit conversion joins, ...) live in `common`, once. The SQL-view reporting models of `report/`
keep their own `_select`/`_from`/`_group_by` (so another addon can extend them).

Low-level helpers that run any query (prepared statements, binary COPY) stay a library in
`crm_erp_bridge/sql.py`; `orm.py` and `run_lock.py` write their own generic SQL (no business
rule)."""
