from odoo import api, models, tools

from ..orm import display_names
from ..queries.mail import insert_notes

def note_body(text):
    """A chatter body of plain text (record names included), as message_post's sanitizer stores it."""
    return '<p>%s</p>' % tools.html_escape(text)


class MailMessage(models.Model):
    _inherit = 'mail.message'

    @api.model
    def _insert_notes(self, model, res_ids, bodies, message_type='notification'):
        """Post a note (subtype Note, author the current user) with bodies[i] on the record
        res_ids[i] of model, in one INSERT: a note notifies nobody, so message_post's
        follower and notification machinery (several queries per message) is skipped.
        bodies are stored as given: HTML (note_body makes one from plain text)."""
        if not res_ids:
            return
        author = self.env.user.partner_id
        # sudo: the names stored on the notes of records the addon's code chose, not returned
        names = display_names(self.env[model].sudo().browse(set(res_ids)))
        insert_notes(self.env.cr, {
            'model': model,
            'res_ids': list(res_ids),
            'record_names': [names[res_id] for res_id in res_ids],
            'bodies': list(bodies),
            'message_ids': [tools.generate_tracking_message_id('%s-%s' % (res_id, model)) for res_id in res_ids],
            'message_type': message_type,
            'subtype_id': self.env.ref('mail.mt_note').id,
            'author_id': author.id,
            'email_from': tools.formataddr((author.name, author.email)) if author.email else None,
            'uid': self.env.uid,
        })
        # as mail.message's create does: the documents' message fields are stale now
        self.env[model].invalidate_cache(ids=list(set(res_ids)))
