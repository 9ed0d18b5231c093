"""The SQL reading a company's canonical invoice history straight from the ledger
(``account_move``, ``account_move_line``, ``account_partial_reconcile``), and the
types its ``COPY`` output is parsed with."""

# One row per posted customer invoice of the company, in the engine's canonical
# columns. The receivable lines of an invoice are its ``payment_term`` lines;
# it is settled when all of them are reconciled, on the latest date of the
# partial reconciliations against them (payment, credit note...); its first
# payment is the earliest of those that is not a credit note. Amounts are
# ``amount_total_signed``, i.e. in the company currency. Dates are clamped to
# the invoice date (a due date typed before it, a payment reconciled on an
# earlier date) so that legal but odd entries never make the engine refuse the
# whole history. An invoice is ``disputed`` while in dispute and after a dispute
# was resolved or rejected: the model learns from the whole dispute history what
# an open dispute means for the invoices it scores. ``broken_promise``: a promise
# to pay covering the invoice was broken or only partly kept. Beside them, the
# payment detail the KPIs read (the engine's ledger detail columns), from the same
# pass over the reconciliations: the first payment's amount (the partial
# reconciliations dated on the first payment date), the credit notes' amount and
# latest date.
HISTORY_SQL = """
    WITH inv AS (
        SELECT m.id, m.commercial_partner_id, m.invoice_date, m.invoice_date_due,
               m.amount_total_signed, m.ai_in_dispute, m.currency_id
          FROM account_move m
         WHERE m.company_id = %(company_id)s
           AND m.move_type = 'out_invoice'
           AND m.state = 'posted'
           AND m.invoice_date IS NOT NULL
           AND m.amount_total_signed > 0
           AND (%(all_partners)s OR m.commercial_partner_id = ANY(%(partner_ids)s))
    ), parts AS (
        SELECT l.move_id, l.reconciled, p.max_date, p.amount,
               cm.move_type = 'out_refund' AS is_credit_note,
               min(p.max_date) FILTER (WHERE cm.move_type != 'out_refund')
                   OVER (PARTITION BY l.move_id) AS first_payment_date
          FROM inv
          JOIN account_move_line l ON l.move_id = inv.id AND l.display_type = 'payment_term'
          LEFT JOIN account_partial_reconcile p ON p.debit_move_id = l.id
          LEFT JOIN account_move_line cl ON cl.id = p.credit_move_id
          LEFT JOIN account_move cm ON cm.id = cl.move_id
    ), recv AS (
        SELECT move_id,
               bool_and(reconciled) AS reconciled,
               min(first_payment_date) AS first_payment_date,
               max(max_date) AS last_payment_date,
               sum(amount) FILTER (WHERE NOT is_credit_note AND max_date = first_payment_date)
                   AS first_payment_amount,
               sum(amount) FILTER (WHERE is_credit_note) AS credit_note_amount,
               max(max_date) FILTER (WHERE is_credit_note) AS credit_note_date
          FROM parts
         GROUP BY move_id
    )
    SELECT inv.id::text AS invoice_id,
           inv.commercial_partner_id::text AS customer_id,
           inv.invoice_date,
           GREATEST(inv.invoice_date_due, inv.invoice_date) AS due_date,
           inv.amount_total_signed AS amount,
           CASE WHEN recv.reconciled AND recv.last_payment_date IS NOT NULL
                THEN GREATEST(recv.last_payment_date, inv.invoice_date) END AS paid_date,
           CASE WHEN recv.first_payment_date IS NOT NULL
                THEN LEAST(GREATEST(recv.first_payment_date, inv.invoice_date),
                           CASE WHEN recv.reconciled
                                THEN GREATEST(recv.last_payment_date, inv.invoice_date) END)
                END AS first_payment_date,
           GREATEST(inv.invoice_date_due - inv.invoice_date, 0)::float8 AS payment_terms_days,
           (COALESCE(inv.ai_in_dispute, FALSE) OR EXISTS (
                SELECT 1
                  FROM ai_collection_dispute_move_rel rel
                  JOIN ai_collection_dispute d ON d.id = rel.dispute_id
                 WHERE rel.move_id = inv.id AND d.state IN ('open', 'resolved', 'rejected')
           )) AS disputed,
           EXISTS (
                SELECT 1
                  FROM ai_collection_promise_move_rel rel
                  JOIN ai_collection_promise pr ON pr.id = rel.promise_id
                 WHERE rel.move_id = inv.id AND pr.state IN ('broken', 'partial')
           ) AS broken_promise,
           cur.name AS currency,
           COALESCE(country.code, '') AS country,
           COALESCE(ind.name->>'en_US', '') AS industry,
           (partner.credit_limit->>%(company_key)s)::float8 AS credit_limit,
           COALESCE(recv.first_payment_amount, 0)::float8 AS first_payment_amount,
           COALESCE(recv.credit_note_amount, 0)::float8 AS credit_note_amount,
           CASE WHEN recv.credit_note_date IS NOT NULL
                THEN GREATEST(recv.credit_note_date, inv.invoice_date) END AS credit_note_date
      FROM inv
      JOIN res_currency cur ON cur.id = inv.currency_id
      JOIN res_partner partner ON partner.id = inv.commercial_partner_id
      LEFT JOIN recv ON recv.move_id = inv.id
      LEFT JOIN res_country country ON country.id = partner.country_id
      LEFT JOIN res_partner_industry ind ON ind.id = partner.industry_id
     ORDER BY inv.id
"""

# Parsing types of the COPY output (validate_history then checks the frame).
FLOAT_COLUMNS = (
    "amount",
    "payment_terms_days",
    "credit_limit",
    "first_payment_amount",
    "credit_note_amount",
)
DETAIL_DATE_COLUMNS = ("credit_note_date",)
HISTORY_DTYPES = {
    "invoice_id": str,
    "customer_id": str,
    "amount": "float64",
    "payment_terms_days": "float64",
    "credit_limit": "float64",
    "first_payment_amount": "float64",
    "credit_note_amount": "float64",
    "disputed": "bool",  # PostgreSQL's t/f, never empty
    "broken_promise": "bool",
    "currency": str,
    "country": str,
    "industry": str,
}
