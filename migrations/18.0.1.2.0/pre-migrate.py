"""18.0.1.2.0: dunning becomes one conversation per customer with honest statuses.

Every log line, level and setting is kept; the log's codes are renamed:

* ``outcome``: a line "sent" (labelled Done) or "approved" says what its mail
  really did (queued / sent / failed from the ``mail.mail``; ``done`` when the
  level sent no email); "error" becomes "failed";
* ``reason``: the skip codes take the names of the engine's guard order
  (``DUNNING_REASONS``);
* the contact index is rebuilt without its filter on the old outcomes;
* the three reminder templates are reloaded (they list each invoice with its
  level and the totals per currency, and name their recipient): their records are
  ``noupdate``, so they are released for this update (the data file sets them back).
"""

OUTCOMES_SQL = """
    UPDATE ai_dunning_log l
       SET outcome = CASE
               WHEN l.outcome = 'error' THEN 'failed'
               WHEN mm.state = 'sent' THEN 'sent'
               WHEN mm.state IN ('exception', 'cancel') THEN 'failed'
               WHEN mm.id IS NOT NULL THEN 'queued'
               WHEN l.action LIKE '%email%' THEN 'sent'
               ELSE 'done'
           END
      FROM ai_dunning_log l2
      LEFT JOIN mail_mail mm ON mm.id = l2.mail_id
     WHERE l2.id = l.id
       AND l.outcome IN ('sent', 'approved', 'error')
"""

REASONS = {
    "dispute": "dispute_open",
    "promise": "promise_open",
    "quiet_hours": "outside_business_hours",
    "min_amount": "below_min_amount",
}

TEMPLATES = (
    "mail_template_ai_dunning_courteous",
    "mail_template_ai_dunning_firm",
    "mail_template_ai_dunning_final",
)


def migrate(cr, version):
    if not version:
        return
    cr.execute(OUTCOMES_SQL)
    for old, new in REASONS.items():
        cr.execute("UPDATE ai_dunning_log SET reason = %s WHERE reason = %s", (new, old))
    cr.execute("DROP INDEX IF EXISTS ai_dunning_log_partner_contact_idx")
    cr.execute(
        """
        UPDATE ir_model_data SET noupdate = FALSE
         WHERE module = 'ar_ai_collections' AND model = 'mail.template' AND name = ANY(%s)
        """,
        [list(TEMPLATES)],
    )
