# Bench only: loaded server-wide by bench/load.py (--load), never installed in a database.
{
    'name': 'Bench call timing',
    'summary': 'Logs the model, method and in-worker time of every XML-RPC object call',
    'version': '11.0.1.0.0',
    'license': 'LGPL-3',
    'depends': [],
    'installable': False,
    'post_load': 'time_execute_kw',
}
