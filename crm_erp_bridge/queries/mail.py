"""Chatter: notes inserted set-based (mail.message's _insert_notes)."""

# One chatter note per (res_id, record_name, body, message_id), all in one statement.
_INSERT_NOTES_SQL = """
INSERT INTO mail_message (model, res_id, record_name, body, message_type, subtype_id, author_id,
                          email_from, message_id, date, create_uid, create_date, write_uid, write_date)
SELECT %(model)s, note.res_id, note.record_name, note.body, %(message_type)s, %(subtype_id)s,
       %(author_id)s, %(email_from)s, note.message_id, NOW() AT TIME ZONE 'UTC', %(uid)s,
       NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
  FROM UNNEST(%(res_ids)s::integer[], %(record_names)s::varchar[], %(bodies)s::text[],
              %(message_ids)s::varchar[]) AS note(res_id, record_name, body, message_id)
"""


def insert_notes(cr, values):
    """One note per res_ids[i] (record_names[i], bodies[i], message_ids[i]) of values' model,
    all with values' message_type, subtype_id, author_id, email_from and uid, in one INSERT."""
    cr.execute(_INSERT_NOTES_SQL, values)
