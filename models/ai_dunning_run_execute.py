"""Dunning run, execution: one conversation per customer, through Odoo's own mail.

A conversation is what ``plan_run`` decided for one customer: its level (the
tone), the level that triggered it (one-off actions such as a fee), the invoices
it lists with their own level, and the claimed log lines of the invoices that
reach a level now. Reminders are rendered and queued by ``mail.template``
(``send_mail_batch``: the chatter of the customer keeps the email), notes on the
invoices are logged with ``_message_log_batch``; nothing is sent inline, the mail
queue sends after the batch's commit and ``ai.dunning.log._cron_follow_mails``
reads the result back.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import SUPERUSER_ID, fields, models
from odoo.exceptions import UserError

from .ai_dunning_run import Conversation
from .cron_isolation import collections_manager
from .res_partner import REMINDER_INVOICE_FIELDS

_logger = logging.getLogger(__name__)


class AiDunningRun(models.AbstractModel):
    _inherit = "ai.dunning.run"

    def _execute(self, company, conversations, stats):
        """Act for ``conversations`` and record on their log lines what was done."""
        Partner = self.env["res.partner"].with_company(company)
        # Computed on access (searches): read once per batch from the invoices as they are.
        Partner.invalidate_model(["ai_dunning_invoice_ids", "ai_dunning_recipient_id"])
        Level = self.env["ai.dunning.level"]
        # customer id -> {"action": [...], "mail_id", "recipient_id", "bounces", "note"}
        done = {}
        activities, fees = [], []
        by_level = defaultdict(list)
        for conversation in conversations:
            by_level[conversation.level_id].append(conversation)
            done[conversation.customer_id] = {"action": [], "mail_id": 0, "recipient_id": 0}
        for level_id, group in by_level.items():
            level = Level.browse(level_id)
            if level.send_email:
                self._send_reminders(company, level, group, done, activities)
            for conversation in group:
                partner = Partner.browse(conversation.customer_id)
                actions = done[conversation.customer_id]["action"]
                if level.create_activity:
                    activities.append(
                        self._activity_values(
                            company, level, partner, conversation, level.activity_summary
                        )
                    )
                    actions.append("activity")
                if level.print_letter and self._print_letter(level, partner):
                    actions.append("letter")
                trigger = Level.browse(conversation.trigger_level_id)
                if trigger.fee_enabled and trigger.fee_product_id and trigger.fee_amount > 0:
                    fees.append(self._fee_invoice_values(company, trigger, partner))
                    actions.append("fee")
                if level.stop_automation:
                    # sudo: the hand-over switches the customer to manual follow-up
                    partner.sudo().ai_followup_mode = "manual"
                    activities.append(
                        self._activity_values(
                            company,
                            level,
                            partner,
                            conversation,
                            self.env._("Dunning stopped: hand over to collections agency"),
                        )
                    )
                    actions.append("stop")
        if activities:
            self._create_activities(activities)
        if fees:
            # Fee invoices go into the books: created with the rights of the user who
            # runs dunning, never as superuser (the scheduled action is root anyway).
            self.env["account.move"].sudo(False).with_company(company).create(fees)
        self._log_chatter(company, conversations, done)
        self._record_done(conversations, done)
        stats["conversations"] += len(conversations)
        stats["emails"] += sum(1 for values in done.values() if values["mail_id"])
        stats["activities"] += len(activities)

    def _send_reminders(self, company, level, conversations, done, activities):
        """Queue one reminder per customer with ``level``'s template, listing its lines.

        A customer without a usable address (none, blacklisted, bouncing) gets no
        email: its lines are ``failed`` and its collector a "fix contact" activity.
        """
        Partner = self.env["res.partner"]
        partners = Partner.browse([c.customer_id for c in conversations])
        emails = [e for e in partners.ai_dunning_recipient_id.mapped("email_normalized") if e]
        blacklisted = set(
            # sudo: the blacklist is readable by mail administrators only
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", emails), ("active", "=", True)])
            .mapped("email")
        )
        sendable = []
        for conversation in conversations:
            partner = Partner.browse(conversation.customer_id)
            recipient = partner.ai_dunning_recipient_id
            problem = None
            if not recipient.email_normalized:
                problem = self.env._("No email address for the reminder.")
            elif recipient.email_normalized in blacklisted:
                problem = self.env._("Email %(email)s is blacklisted.", email=recipient.email)
            elif recipient.message_bounce >= 3:
                problem = self.env._("Email %(email)s bounces.", email=recipient.email)
            if problem:
                done[partner.id]["note"] = problem
                activities.append(
                    self._activity_values(
                        company,
                        level,
                        partner,
                        conversation,
                        self.env._("Dunning email failed: fix contact"),
                        problem,
                        fix_contact=True,
                    )
                )
            else:
                sendable.append(conversation)
        if not sendable:
            return
        lines = {c.customer_id: tuple(c.lines) for c in sendable}
        # What the invoice table shows, read for the whole batch in a few queries
        # instead of per reminder.
        self.env["account.move"].browse(
            [move_id for c in sendable for move_id, _level in c.lines]
        ).fetch(REMINDER_INVOICE_FIELDS)
        # sudo: reminders render as in the scheduled action, whoever runs dunning
        template = level.mail_template_id.sudo().with_context(ai_dunning_lines=lines)
        mails = template.send_mail_batch(list(lines), force_send=False)
        mail_of = {mail.res_id: mail for mail in mails}
        invoice_pdfs = self._invoice_pdfs(level, sendable)
        for conversation in sendable:
            partner = Partner.browse(conversation.customer_id)
            mail = mail_of[partner.id]
            recipient = partner.ai_dunning_recipient_id
            values = {}
            if not mail.recipient_ids and not mail.email_to:
                values["recipient_ids"] = [(4, recipient.id)]
            attachments = self.env["ir.attachment"].union(
                *(invoice_pdfs.get(move_id, ()) for move_id, _level in conversation.lines)
            )
            if level.attach_statement:
                attachments |= self._statement_attachment(partner)
            if attachments:
                values["attachment_ids"] = [(4, att.id) for att in attachments]
            if values:
                mail.write(values)
            done[partner.id].update(
                mail_id=mail.id, recipient_id=recipient.id, bounces=recipient.message_bounce
            )
            done[partner.id]["action"].append("email")

    def _invoice_pdfs(self, level, conversations):
        """``{invoice id: its PDF attachment}`` when the level attaches invoices."""
        if not level.attach_invoices:
            return {}
        ids = [move_id for c in conversations for move_id, _level in c.lines]
        # sudo: invoice PDFs are attachments, attached whatever the runner's rights on them
        return {
            move.id: move.invoice_pdf_report_id
            for move in self.env["account.move"].sudo().browse(ids)
        }

    def _activity_user(self, company, partner, invoice_user_ids=()):
        """Who handles a dunning activity: the customer's collector, else the invoices'
        salesperson, else the company's collections manager (Settings), else a
        Collections manager of the company; never OdooBot or the superuser."""
        Users = self.env["res.users"]
        candidates = [partner.ai_collector_id, *Users.browse(invoice_user_ids)]
        candidates += [company.ai_dunning_manager_id, collections_manager(self.env, company)]
        for user in candidates:
            if user and user.active and not user.share and user.id != SUPERUSER_ID:
                return user
        return Users

    def _activity_values(
        self, company, level, partner, conversation, summary, note=None, fix_contact=False
    ):
        activity_type = (not fix_contact and level.activity_type_id) or self.env.ref(
            "mail.mail_activity_data_todo"
        )
        user = self._activity_user(company, partner, conversation.invoice_user_ids)
        return {
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": partner.id,
            "activity_type_id": activity_type.id,
            "summary": summary or level.name,
            "note": note,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self)
            + timedelta(days=0 if fix_contact else level.activity_delay_days),
        }

    def _fix_contact_activities(self, logs, reason):
        """A "fix contact" activity per customer of ``logs`` (failed or bounced mails)."""
        values = []
        for partner, partner_logs in logs.grouped("partner_id").items():
            conversation = Conversation(
                partner.id, 0, 0, [], [], partner_logs.move_id.invoice_user_id.ids
            )
            values.append(
                self._activity_values(
                    partner_logs[0].company_id,
                    partner_logs[0].level_id,
                    partner,
                    conversation,
                    self.env._("Dunning email failed: fix contact"),
                    reason,
                    fix_contact=True,
                )
            )
        self._create_activities(values)

    def _create_activities(self, values_list):
        """Create activities in batch, one per (customer, type, user): the same
        customer's are merged (summaries and notes joined). No "activity assigned"
        email: a run assigns hundreds to each collector, who sees them in the menu."""
        merged = {}
        for values in values_list:
            if not values["user_id"]:
                _logger.warning("Dunning: nobody to assign %r to", values["summary"])
                continue
            key = (values["res_id"], values["activity_type_id"], values["user_id"])
            kept = merged.setdefault(key, dict(values))
            if kept is values or kept == values:
                continue
            if values["summary"] and values["summary"] not in (kept["summary"] or ""):
                kept["summary"] = f"{kept['summary'] or ''}; {values['summary']}".strip("; ")
            if values.get("note"):
                note = escape(values["note"])
                kept["note"] = Markup("%s<br/>%s") % (kept["note"], note) if kept["note"] else note
            kept["date_deadline"] = min(kept["date_deadline"], values["date_deadline"])
        # mail.activity.create subscribes the assignees per batch and fails on a
        # document listed twice: create in rounds where each customer appears once.
        rounds = []
        for values in merged.values():
            for batch in rounds:
                if values["res_id"] not in batch:
                    batch[values["res_id"]] = values
                    break
            else:
                rounds.append({values["res_id"]: values})
        # sudo: dunning gives collectors activities on customers the runner may not edit
        Activity = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True)
        for batch in rounds:
            Activity.create(list(batch.values()))

    def _log_chatter(self, company, conversations, done):
        """One trace of each conversation in the customer's chatter: the reminder email
        when one was queued (it lists every invoice at its level), else an internal note
        linking the invoices at their level; and, unless the company turned it off, a
        note on each invoice reaching a level (one ``mail.message`` per invoice: on
        large books as long as the rest of the run)."""
        Level = self.env["ai.dunning.level"]
        Move = self.env["account.move"]
        notes = {}
        for conversation in conversations:
            if done[conversation.customer_id]["mail_id"]:
                continue
            invoices = Markup(", ").join(
                Markup("%s (%s)")
                % (Move.browse(move_id)._get_html_link(), Level.browse(level_id).name)
                for move_id, level_id in conversation.lines
            )
            # A Markup argument makes the translated text escaped, the links kept.
            notes[conversation.customer_id] = Markup("<p>%s</p>") % self.env._(
                "Dunning level %(level)s: %(invoices)s.",
                level=Level.browse(conversation.level_id).name,
                invoices=invoices,
            )
        if notes:
            # sudo: the customers' chatter, whatever the runner's rights on contacts
            # (access checked by the caller)
            self.env["res.partner"].sudo().browse(list(notes))._message_log_batch(notes)
        if company.ai_dunning_invoice_notes:
            note_of = {
                level_id: Markup("<p>%s</p>")
                % self.env._("Dunning level %(level)s executed.", level=Level.browse(level_id).name)
                for conversation in conversations
                for _move_id, level_id in conversation.lines
            }
            bodies = {
                move_id: note_of[level_id]
                for conversation in conversations
                for move_id, level_id in conversation.lines
            }
            # sudo: notes on invoices the runner may not edit (access checked by the caller)
            Move.sudo().browse(list(bodies))._message_log_batch(bodies)

    def _record_done(self, conversations, done):
        """Write on the claimed log lines what was done: queued when an email waits in
        the queue, failed when the email could not be made, done for other actions."""
        rows = []
        for conversation in conversations:
            values = done[conversation.customer_id]
            outcome = "queued" if values["mail_id"] else "failed" if values.get("note") else "done"
            action = ",".join(dict.fromkeys(values["action"]))
            for log_id in conversation.log_ids:
                rows.append(
                    (
                        log_id,
                        outcome,
                        action,
                        values["mail_id"],
                        values["recipient_id"],
                        values.get("bounces", 0),
                        values.get("note") or "",
                    )
                )
        if not rows:
            return
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE ai_dunning_log l
               SET outcome = t.outcome, action = NULLIF(t.action, ''),
                   mail_id = NULLIF(t.mail_id, 0), recipient_id = NULLIF(t.recipient_id, 0),
                   recipient_bounce_count = t.bounces, note = NULLIF(t.note, '')
              FROM unnest(%s::int[], %s::varchar[], %s::varchar[], %s::int[], %s::int[],
                          %s::int[], %s::text[])
                   AS t(id, outcome, action, mail_id, recipient_id, bounces, note)
             WHERE l.id = t.id
            """,
            [list(column) for column in zip(*rows, strict=True)],
        )
        self.env["ai.dunning.log"].invalidate_model(
            ["outcome", "action", "mail_id", "recipient_id", "recipient_bounce_count", "note"]
        )

    def _fee_invoice_values(self, company, level, partner):
        """A draft fee invoice, left for the accountant to post."""
        return {
            "move_type": "out_invoice",
            "company_id": company.id,
            "partner_id": partner.id,
            "invoice_origin": self.env._("Dunning fee: %(level)s", level=level.name),
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {
                        "product_id": level.fee_product_id.id,
                        "quantity": 1.0,
                        "price_unit": level.fee_amount,
                    },
                )
            ],
        }

    def _render_report(self, report, partner, **context):
        """Render ``report`` for ``partner``: ``(content, extension, mimetype, problem)``.

        Without a working wkhtmltopdf the printable HTML is returned with the reason,
        so that a run never crashes on a report and no letter is lost.
        """
        # sudo: letters and statements show the customer's invoices and payments in full
        Report = self.env["ir.actions.report"].sudo().with_context(**context)
        try:
            pdf, _fmt = Report._render_qweb_pdf(report, partner.ids)
            return pdf, "pdf", "application/pdf", None
        except UserError as exc:
            problem = str(exc.args[0] if exc.args else exc)
            _logger.warning("Dunning: PDF of %s unavailable (%s)", report.report_name, problem)
        html, _fmt = Report._render_qweb_html(report, partner.ids)
        return html, "html", "text/html", problem

    def _attachment(self, partner, name, content, mimetype):
        # sudo: the document is attached to the customer, which the runner may not edit
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": content,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "mimetype": mimetype,
                }
            )
        )

    def _statement_attachment(self, partner):
        report = self.env.ref("ar_ai_collections.action_report_ai_statement", False)
        if not report:
            return self.env["ir.attachment"]
        content, ext, mimetype, problem = self._render_report(report, partner)
        if problem:
            # An HTML file is no statement to email: the reminder goes without it.
            return self.env["ir.attachment"]
        name = self.env._("Statement %(name)s.%(ext)s", name=partner.name, ext=ext)
        return self._attachment(partner, name, content, mimetype)

    def _print_letter(self, level, partner):
        """Keep the level's reminder letter in the customer's chatter, to print."""
        report = self.env.ref("ar_ai_collections.action_report_ai_dunning_letter", False)
        if not report:
            return False
        content, ext, mimetype, problem = self._render_report(
            report, partner, ai_dunning_level_id=level.id
        )
        name = self.env._("Reminder %(name)s.%(ext)s", name=partner.name, ext=ext)
        attachment = self._attachment(partner, name, content, mimetype)
        body = self.env._("Reminder letter (%(level)s) to print and post.", level=level.name)
        if problem:
            body = self.env._(
                "%(body)s The PDF could not be generated (%(problem)s): print the "
                "attached HTML version.",
                body=body,
                problem=problem,
            )
        # sudo: the letter is logged on the customer, which the runner may not edit
        partner.sudo().message_post(body=escape(body), attachment_ids=attachment.ids)
        return True
