"""One create/write/unlink override per inherited model, dispatching to the features that
follow changes of its records (Customer 360, product affinity): a feature's `_<feature>_before_
<operation>` method looks at the records before the change and returns what to run after it
(a callable), or None when the change does not concern it. See docs/architecture.md."""


def followed(afters, operation):
    """operation() (the ORM's write or unlink), then the features' afters (what their befores
    returned: callables, or None) in reverse order: the feature that looked first finishes
    last, as nested overrides would. Returns operation's result.

    The befores run as the caller builds the list, before operation:
    `return followed([self._a_before_write(vals), ...], lambda: super(Model, self).write(vals))`."""
    result = operation()
    for after in reversed(afters):
        if after:
            after()
    return result
