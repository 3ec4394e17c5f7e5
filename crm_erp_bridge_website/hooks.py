from . import queries


def post_init_hook(cr, registry):
    """The orders the webshop took before this addon was installed (sales team of type
    website) get the channel webshop, in one statement."""
    queries.mark_webshop_orders(cr)
