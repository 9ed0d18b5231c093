"""Bulk queueing of the reminder emails of a dunning batch.

``mail.template.send_mail_batch`` queues one ``mail.mail`` per customer through the
ORM; each create computes every default and sanitizes the body three times, so a
queued reminder cost about 5 ms on a 2-core machine (25 s of a 100,000-invoice
run). ``_ai_queue_rendered`` stores the same rows in a few statements per batch:
Odoo renders the template (``_generate_template``), the defaults are computed once,
the body goes through mail.message's own ``body`` field (sanitized once, as stored
by the ORM) and the Message-Id and record name come from mail.message's helpers.
tests/test_dunning_render.py checks that the rows equal ``send_mail_batch``'s.
"""

from odoo import api, fields, models
from odoo.tools import SQL

#: mail_message columns set for a queued email (the others stay NULL, as with the ORM).
MESSAGE_COLUMNS = (
    "subject",
    "body",
    "model",
    "res_id",
    "record_name",
    "message_type",
    "email_from",
    "author_id",
    "message_id",
    "reply_to",
    "mail_server_id",
    "email_add_signature",
    "date",
)
#: mail_mail columns set for a queued email.
MAIL_COLUMNS = ("body_html", "email_to", "email_cc", "state", "auto_delete", "scheduled_date")
#: Rendered values ``_ai_queue_rendered`` takes.
RENDER_FIELDS = (
    "attachment_ids",
    "auto_delete",
    "body_html",
    "email_cc",
    "email_from",
    "email_to",
    "mail_server_id",
    "model",
    "partner_to",
    "reply_to",
    "res_id",
    "subject",
)


def link_many2many(env, field, pairs):
    """Insert ``(id, other id)`` pairs in the relation table of many2many ``field``.

    One statement for a whole batch (no ORM write per record); the caller
    invalidates the field on the records it links.
    """
    if not pairs:
        return
    env.cr.execute(
        SQL(
            "INSERT INTO %s (%s, %s) SELECT * FROM unnest(%s::int[], %s::int[]) "
            "ON CONFLICT DO NOTHING",
            SQL.identifier(field.relation),
            SQL.identifier(field.column1),
            SQL.identifier(field.column2),
            [left for left, _right in pairs],
            [right for _left, right in pairs],
        )
    )


class MailMail(models.Model):
    _inherit = "mail.mail"

    @api.model
    def _ai_can_queue_in_bulk(self, template):
        """Whether ``template`` is rendered without what only the ORM path handles
        (an email layout, report attachments, a scheduled date)."""
        return not (
            template.email_layout_xmlid or template.report_template_ids or template.scheduled_date
        )

    @api.model
    def _ai_queue_rendered(self, rendered, res_ids):
        """Queue one outgoing email per ``res_ids`` from ``rendered[res_id]``.

        :param rendered: ``mail.template._generate_template(res_ids, RENDER_FIELDS)``
        :return: the new ``mail.mail`` records, in the order of ``res_ids``
        """
        if not res_ids:
            return self.browse()
        # sudo: reminders are queued as the scheduled action queues them, whoever runs it
        Mail = self.sudo()
        # sudo: each queued reminder has its chatter message on the customer
        Message = self.env["mail.message"].sudo()
        defaults = Mail.default_get(list(MESSAGE_COLUMNS + MAIL_COLUMNS))
        now = fields.Datetime.now()
        magic = (self.env.uid, self.env.uid, now, now)
        record_models = {rendered[res_id]["model"] for res_id in res_ids}
        # Record names computed for the whole batch, not one query per mail.
        for model in record_models:
            Message.env[model].browse(res_ids).mapped("display_name")
        message_rows, mail_rows = [], []
        for res_id in res_ids:
            values = {**defaults, **rendered[res_id], "body": rendered[res_id]["body_html"]}
            values.setdefault("date", now)
            values["message_id"] = Message._get_message_id(values)
            values["record_name"] = Message._get_record_name(values)
            message_rows.append(
                tuple(self._ai_column(Message, name, values) for name in MESSAGE_COLUMNS) + magic
            )
            mail_rows.append(tuple(self._ai_column(Mail, name, values) for name in MAIL_COLUMNS))
        message_ids = self._ai_insert("mail_message", MESSAGE_COLUMNS, message_rows)
        mail_ids = self._ai_insert(
            "mail_mail",
            ("mail_message_id", *MAIL_COLUMNS),
            [(mid, *row, *magic) for mid, row in zip(message_ids, mail_rows, strict=True)],
        )
        link_many2many(
            self.env,
            Mail._fields["recipient_ids"],
            [
                (mail_id, partner_id)
                for mail_id, res_id in zip(mail_ids, res_ids, strict=True)
                for partner_id in rendered[res_id].get("partner_ids") or ()
            ],
        )
        link_many2many(
            self.env,
            Message._fields["attachment_ids"],
            [
                (message_id, attachment_id)
                for message_id, res_id in zip(message_ids, res_ids, strict=True)
                for attachment_id in rendered[res_id].get("attachment_ids") or ()
            ],
        )
        for model in record_models:
            self.env[model].invalidate_model(["message_ids"])
        return self.browse(mail_ids)

    def _ai_column(self, model, name, values):
        """``values[name]`` as stored in ``model``'s column (None when unset)."""
        value = values.get(name)
        if value is None or (value is False and model._fields[name].type != "boolean"):
            return None
        return model._fields[name].convert_to_column(value, model)

    def _ai_insert(self, table, columns, rows):
        """INSERT ``rows`` (``columns`` then the four magic ones) into ``table``.

        :return: the new ids, in the order of ``rows`` (as ``BaseModel._create``)
        """
        columns = (*columns, "create_uid", "write_uid", "create_date", "write_date")
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s) VALUES %s RETURNING id",
                SQL.identifier(table),
                SQL(", ").join(map(SQL.identifier, columns)),
                SQL(", ").join(rows),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]
