"""Dunning run, recording: a batch's plan into the log, then its conversations.

The skips are recorded once per (invoice, level, reason); the levels the plan
executes are claimed in the log's unique (invoice, level) index before anything is
done, so that a customer one of whose levels another transaction recorded meanwhile
is dropped untouched. The invoices reaching a level are stamped with it and with the
date their next level may fall due (the graduated rule, ``next_level_days``).
"""

from collections import defaultdict
from datetime import timedelta

import numpy as np
import pandas as pd

from odoo import fields, models
from odoo.tools import SQL

from ..ar_ai_collections import dunning_policy as policy
from .account_move import open_customer_invoice_sql
from .ai_dunning_run import Conversation

# Customer reasons not worth a log line: the normal wait between two levels, and a
# rerun finding the customer done.
UNLOGGED_REASONS = ("", "spacing", "nothing_due", "already_contacted_today")

INSERT_LOG_SQL = """
    INSERT INTO ai_dunning_log (
        company_id, date, run_uuid, partner_id, move_id, level_id, collector_id,
        risk_band, days_overdue, currency_id, amount_residual, outcome, reason, tone,
        create_uid, write_uid, create_date, write_date, mail_retry_count, paid_within_window)
    SELECT %(company_id)s, %(now)s, %(run_uuid)s, t.partner_id, t.move_id, t.level_id,
           NULLIF(t.collector_id, 0), t.band, t.days_overdue, t.currency_id,
           t.amount_residual, t.outcome, NULLIF(t.reason, ''), lvl.tone,
           %(uid)s, %(uid)s, %(now)s, %(now)s, 0, FALSE
      FROM unnest(%(partner_id)s::int[], %(move_id)s::int[], %(level_id)s::int[],
                  %(collector_id)s::int[], %(band)s::varchar[], %(days_overdue)s::int[],
                  %(currency_id)s::int[], %(amount_residual)s::numeric[],
                  %(outcome)s::varchar[], %(reason)s::varchar[])
           AS t(partner_id, move_id, level_id, collector_id, band, days_overdue,
                currency_id, amount_residual, outcome, reason)
      JOIN ai_dunning_level lvl ON lvl.id = t.level_id
    {conflict}
    RETURNING id, partner_id, move_id
"""
CONFLICT_EXEC = "ON CONFLICT (move_id, level_id) WHERE outcome <> 'skipped' DO NOTHING"
CONFLICT_SKIP = "ON CONFLICT (move_id, level_id, reason) WHERE outcome = 'skipped' DO NOTHING"


class AiDunningRun(models.AbstractModel):
    _inherit = "ai.dunning.run"

    # ------------------------------------------------------------------
    # Recording and executing a plan
    # ------------------------------------------------------------------
    def _apply(self, company, levels, level_frame, plan, invoices, customers, now, run_uuid, stats):
        """Record the plan's skips, claim its levels and execute its conversations."""
        for key, value in plan.summary.items():
            if key != "customers":  # the run counts the customers of its batches itself
                stats[key] += value
        inv = plan.invoices.merge(
            invoices[["invoice_id", "band", "amount_residual", "invoice_user_id"]].rename(
                columns={"amount_residual": "amount"}
            ),
            on="invoice_id",
        )
        collectors = customers.set_index("customer_id")["collector_id"]
        inv["collector_id"] = inv["customer_id"].map(collectors)
        level_ids = np.asarray(levels.ids)
        cust = plan.customers.set_index("customer_id")
        skipped = inv[
            (inv["due_rank"] >= 0) & ~inv["reached"] & ~inv["reason"].isin(UNLOGGED_REASONS)
        ]
        self._insert_logs(
            company,
            skipped,
            level_ids[skipped["due_rank"].to_numpy()],
            ["skipped"] * len(skipped),
            skipped["reason"].tolist(),
            now,
            run_uuid,
            CONFLICT_SKIP,
        )
        reached = inv[inv["reached"]]
        if reached.empty:
            return
        review = cust["action"].reindex(reached["customer_id"]).eq(policy.REVIEW).to_numpy()
        rows = self._insert_logs(
            company,
            reached,
            level_ids[reached["new_rank"].to_numpy()],
            np.where(review, "queued_review", "queued").tolist(),
            [""] * len(reached),
            now,
            run_uuid,
            CONFLICT_EXEC,
        )
        claimed = defaultdict(list)
        for log_id, customer_id, _move_id in rows:
            claimed[customer_id].append(log_id)
        expected = reached.groupby("customer_id").size()
        lost = [cid for cid, n in expected.items() if len(claimed.get(cid, ())) < n]
        if lost:
            # Recorded meanwhile by another transaction: that one speaks to them.
            self.env.cr.execute(
                "DELETE FROM ai_dunning_log WHERE id = ANY(%s)",
                [[log_id for cid in lost for log_id in claimed.pop(cid, [])]],
            )
            stats["already_executed"] += len(lost)
        conversations = []
        listed = inv[inv["listed"]]
        for customer_id, lines in listed.groupby("customer_id", sort=False):
            if customer_id not in claimed or cust.at[customer_id, "action"] != policy.SEND:
                continue
            conversations.append(
                Conversation(
                    int(customer_id),
                    int(level_ids[cust.at[customer_id, "rank"]]),
                    int(level_ids[cust.at[customer_id, "trigger_rank"]]),
                    list(
                        zip(
                            lines["invoice_id"].tolist(),
                            level_ids[lines["new_rank"].to_numpy()].tolist(),
                            strict=True,
                        )
                    ),
                    claimed[customer_id],
                    [int(u) for u in lines["invoice_user_id"].dropna().unique()],
                )
            )
        if conversations:
            self._execute(company, conversations, stats)
        done = reached[reached["customer_id"].isin(list(claimed))]
        self._stamp_invoices(levels, level_frame, done, now, customers)

    def _insert_logs(self, company, rows, level_ids, outcomes, reasons, now, run_uuid, conflict):
        """Insert one log line per row of ``rows`` (plan invoice rows); return the
        ``(id, customer id, invoice id)`` of the lines inserted (not conflicting)."""
        if rows.empty:
            return []
        self.env.flush_all()
        self.env.cr.execute(
            INSERT_LOG_SQL.format(conflict=conflict),
            {
                "company_id": company.id,
                "now": now,
                "run_uuid": run_uuid,
                "uid": self.env.uid,
                "partner_id": rows["customer_id"].astype(int).tolist(),
                "move_id": rows["invoice_id"].astype(int).tolist(),
                "level_id": [int(level_id) for level_id in level_ids],
                "collector_id": pd.to_numeric(rows["collector_id"], errors="coerce")
                .fillna(0)
                .astype(int)
                .tolist(),
                "band": [b if isinstance(b, str) else None for b in rows["band"]],
                "days_overdue": rows["days_overdue"].astype(int).tolist(),
                "currency_id": rows["currency"].astype(int).tolist(),
                "amount_residual": rows["amount"].astype(float).tolist(),
                "outcome": outcomes,
                "reason": reasons,
            },
        )
        return self.env.cr.fetchall()

    def _stamp_invoices(self, levels, level_frame, rows, now, customers=None):
        """Record the level, its date and when the next level may fall due on the
        invoices reaching a level (``rows``) and the next date on their customers
        (by each customer's strategy in ``customers``, else the company's)."""
        if rows.empty:
            return
        level_ids = np.asarray(levels.ids)
        age_only, ladder = policy.customer_strategy(
            rows["customer_id"],
            pd.DataFrame({"customer_id": []}) if customers is None else customers,
            level_ids,
            levels.company_id.ai_dunning_timing,
        )
        wait = policy.next_level_days(
            rows["days_overdue"].to_numpy(),
            rows["band"].to_numpy(dtype=object),
            rows["new_rank"].to_numpy(),
            np.zeros(len(rows)),
            level_frame["days"].to_numpy(),
            level_frame[[c for c in level_frame if c.startswith("band_")]].to_numpy(bool),
            level_frame["spacing_days"].to_numpy(),
            age_only,
            ladder,
        )
        today = now.date()
        next_dates = [None if np.isnan(w) else today + timedelta(days=int(w)) for w in wait]
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            UPDATE account_move m
               SET ai_dunning_level_id = t.level_id, ai_dunning_date = %s,
                   ai_dunning_next_date = t.next_date
              FROM unnest(%s::int[], %s::int[], %s::date[]) AS t(id, level_id, next_date)
             WHERE m.id = t.id
            """,
            (
                now,
                rows["invoice_id"].astype(int).tolist(),
                level_ids[rows["new_rank"].to_numpy()].tolist(),
                next_dates,
            ),
        )
        cr.execute(
            SQL(
                """
                UPDATE res_partner p SET ai_dunning_next_date = sub.next_date
                  FROM (SELECT m.commercial_partner_id, MIN(m.ai_dunning_next_date) AS next_date
                          FROM account_move m
                         WHERE m.commercial_partner_id = ANY(%s) AND %s
                         GROUP BY m.commercial_partner_id) sub
                 WHERE p.id = sub.commercial_partner_id
                """,
                rows["customer_id"].astype(int).unique().tolist(),
                open_customer_invoice_sql("m"),
            )
        )
        self.env["account.move"].invalidate_model(
            ["ai_dunning_level_id", "ai_dunning_date", "ai_dunning_next_date"]
        )
        self.env["res.partner"].invalidate_model(["ai_dunning_next_date"])

    def _execute_reviewed(self, logs):
        """Execute approved reviews (``ai.dunning.log.action_approve``): one
        conversation per customer at the highest approved level, listing the
        approved invoices at their level."""
        stats = defaultdict(int)
        now = fields.Datetime.now()
        logs.write({"approved_by_id": self.env.user.id, "approved_date": now})
        for company, company_logs in logs.grouped("company_id").items():
            levels, level_frame = self._levels_frame(company)
            rank_of = {level_id: rank for rank, level_id in enumerate(levels.ids)}
            rows = pd.DataFrame(
                {
                    "log_id": company_logs.ids,
                    "customer_id": [log.partner_id.id for log in company_logs],
                    "invoice_id": [log.move_id.id for log in company_logs],
                    "level_id": [log.level_id.id for log in company_logs],
                    "invoice_user_id": [log.move_id.invoice_user_id.id for log in company_logs],
                    "days_overdue": [
                        (now.date() - log.move_id.invoice_date_due).days for log in company_logs
                    ],
                    "band": [log.move_id.ai_risk_band or None for log in company_logs],
                }
            )
            rows["new_rank"] = rows["level_id"].map(rank_of).fillna(0).astype(int)
            conversations = []
            for customer_id, lines in rows.sort_values("new_rank").groupby("customer_id"):
                top = int(lines["level_id"].iloc[-1])
                conversations.append(
                    Conversation(
                        int(customer_id),
                        top,
                        top,
                        list(zip(lines["invoice_id"], lines["level_id"], strict=True)),
                        lines["log_id"].tolist(),
                        [int(u) for u in lines["invoice_user_id"].unique() if u],
                    )
                )
            self.with_company(company)._execute(company, conversations, stats)
            latest = rows.sort_values("new_rank").groupby("invoice_id").last().reset_index()
            self._stamp_invoices(levels, level_frame, latest, now)
        return dict(stats)
