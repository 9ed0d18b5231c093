"""Daily dunning run: the driver (cron batches, optional queue_job, claims, recording).

Flow of a batch of customers (``_run_batch``):

1. claim the customers: a transaction-level advisory lock per customer (a customer
   being dunned by another transaction is left to it, never waited for);
2. read the batch in bulk SQL and decide it with ``dunning_policy.plan_run``
   (``ai_dunning_run_select.py``): at most one conversation per customer;
3. record the skips, then claim the levels the plan executes: ``INSERT ... ON
   CONFLICT DO NOTHING`` on the log's unique (invoice, level) index; a customer
   one of whose levels was recorded meanwhile is dropped, its claim undone;
4. execute the conversations through Odoo's mail (``ai_dunning_run_execute.py``)
   and record what was done on the claimed lines; stamp the invoices.

The scheduled action works the companies in batches of customers, commits each
batch and hands over with ``ir.cron._notify_progress``: killed half way, the next
call resumes after the last committed customer (its cursor is committed with the
batch), and a customer done today is never done twice (``already_contacted_today``
and the claimed levels). When OCA ``queue_job`` is installed, the scheduled action
enqueues one job per batch instead (``ai_dunning_run_queue.py``).
"""

import logging
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.tools import split_every

from ..ar_ai_collections import dunning_policy as policy
from .cron_isolation import report_skipped, run_isolated

_logger = logging.getLogger(__name__)

# First key of the per-customer advisory lock (second = customer id): "AIDN".
LOCK_NAMESPACE = 0x4149444E & 0x7FFFFFFF
# Customer reasons not worth a log line: the normal wait between two levels, and a
# rerun finding the customer done.
UNLOGGED_REASONS = ("", "spacing", "nothing_due", "already_contacted_today")
# Where the scheduled action stands in today's pass, per company.
CURSOR_PARAM = "ar_ai_collections.dunning_cursor_%s"

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


class Conversation(NamedTuple):
    """What one customer receives in a run (or when a review is approved)."""

    customer_id: int
    level_id: int  # the conversation's level: tone, template, channels
    trigger_level_id: int  # the highest level an invoice reaches now (fee)
    lines: list  # (invoice id, level id) listed in the reminder, in order
    log_ids: list  # claimed log lines of the invoices reaching a level now
    invoice_user_ids: list  # salespersons of the listed invoices (activity fallback)


class AiDunningRun(models.AbstractModel):
    """Service running the dunning ladder for a company (cron, jobs, preview, run now)."""

    _name = "ai.dunning.run"
    _description = "Dunning Run"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_run(self, batch_size=500, time_budget=240, queue=None):
        """Scheduled action: work the companies' customers batch by batch.

        Each batch is committed; after ``time_budget`` seconds the call hands over
        (``_notify_progress`` with what remains: the cron is called again at once
        and resumes at the company's cursor). With queue_job the batches are
        enqueued as jobs instead. When every batch is done, the reminders' mails
        are read back (statuses) and the payment outcomes computed.

        :param queue: enqueue on queue_job (default: when it is installed)
        """
        deadline = time.monotonic() + time_budget
        done = remaining = 0
        queue = self._queue_job_ready() if queue is None else queue
        for company in self.env["res.company"].search([("ai_dunning_enabled", "=", True)]):
            try:
                if queue:
                    done += self.with_company(company)._enqueue_company(company, batch_size)
                    continue
                stats = self.with_company(company)._run_cron_company(company, batch_size, deadline)
                done += stats.get("customers", 0)
                remaining += stats.get("remaining", 0)
            except Exception as error:  # whatever it is, the other companies go on
                # Batches are committed one by one: only the failed one is undone.
                self.env.cr.rollback()  # pylint: disable=invalid-commit
                report_skipped(company, self.env._("Dunning run"), error)
                self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if not remaining:
            self.env["ai.dunning.log"]._cron_follow_mails()
            self.env["ai.dunning.log"]._cron_compute_outcomes()

    def _run_cron_company(self, company, batch_size, deadline):
        """One company in cron mode, from its cursor on, until done or ``deadline``."""
        Param = self.env["ir.config_parameter"].sudo()  # sudo: the run's own bookmark
        key = CURSOR_PARAM % company.id
        after = int(Param.get_param(key) or 0)
        stats = self.run(
            company, commit=True, batch_size=batch_size, after=after, deadline=deadline
        )
        # A finished pass starts over next time (customers outside business hours,
        # levels falling due later today); the cursor is committed with each batch.
        Param.set_param(
            key, str(stats.get("last_customer_id", 0)) if stats.get("remaining") else ""
        )
        self.env.cr.commit()  # pylint: disable=invalid-commit
        return stats

    @api.private
    @api.model
    def refresh_company(self, company):
        """Run the ladder now for ``company`` (demo set-up, scripts): the business-hours
        guard is bypassed so that the run acts whatever the time of day."""
        stats = self.with_company(company).run(company, ignore_hours=True)
        self.env["ai.dunning.log"]._cron_compute_outcomes()
        return stats

    @api.private
    @api.model
    def run(
        self,
        company,
        partners=None,
        now=None,
        commit=False,
        batch_size=500,
        force_manual=False,
        ignore_hours=False,
        after=0,
        deadline=None,
    ):
        """Run the dunning ladder for ``company`` (optionally only ``partners``).

        :param now: naive UTC datetime (default: now), drives days overdue and hours
        :param commit: commit after every batch, with the cron cursor (cron mode only)
        :param force_manual: also process customers in manual follow-up ("Run now")
        :param ignore_hours: bypass the business-hours guard ("Run now" by a user)
        :param after: start after this customer id (the cron's cursor)
        :param deadline: ``time.monotonic()`` after which no new batch starts
        :return: dict of counters; ``remaining`` customers when stopped by ``deadline``,
            ``locked`` customers left to another transaction dunning them
        """
        started = time.monotonic()
        now = now or fields.Datetime.now()
        run_uuid = uuid.uuid4().hex
        stats = defaultdict(int)
        levels, level_frame = self._levels_frame(company)
        if not levels:
            return dict(stats)
        partner_ids = self._candidates(company, levels, now.date(), partners, after)
        options = {"force_manual": force_manual, "ignore_hours": ignore_hours}
        for index, batch in enumerate(split_every(batch_size, partner_ids, list)):
            if deadline is not None and index and time.monotonic() > deadline:
                stats["remaining"] = len(partner_ids) - stats["customers"]
                break
            self._run_batch(company, levels, level_frame, batch, now, run_uuid, stats, options)
            stats["batches"] += 1
            stats["customers"] += len(batch)
            stats["last_customer_id"] = batch[-1]
            if commit:
                if deadline is not None:
                    self.env["ir.config_parameter"].sudo().set_param(  # sudo: the run's bookmark
                        CURSOR_PARAM % company.id, str(batch[-1])
                    )
                self.env.cr.commit()  # pylint: disable=invalid-commit
            # Batches share nothing: a cache holding every batch's records slows each.
            self.env.invalidate_all(flush=True)
        stats["duration_ms"] = int((time.monotonic() - started) * 1000)
        _logger.info("Dunning run %s for %s: %s", run_uuid, company.name, dict(stats))
        return dict(stats)

    def _run_batch(self, company, levels, level_frame, partner_ids, now, run_uuid, stats, options):
        """Claim, decide and act for the customers ``partner_ids``; a customer the batch
        fails on (a corrupt record) is skipped and reported, the others are dunned."""

        def dun(partners):
            claimed = self._claim(partners.ids)
            stats["locked"] += len(partners) - len(claimed)
            if not claimed:
                return
            plan, invoices, customers = self._plan(
                company, levels, level_frame, claimed, now, **options
            )
            self._apply(
                company, levels, level_frame, plan, invoices, customers, now, run_uuid, stats
            )

        skipped = run_isolated(
            self.env["res.partner"].browse(partner_ids), self.env._("Dunning run"), dun
        )
        stats["skipped_customers"] += len(skipped)

    def _claim(self, partner_ids):
        """The customers this transaction may dun: their advisory locks, taken without
        waiting (released at commit or rollback)."""
        self.env.cr.execute(
            "SELECT id FROM unnest(%s::int[]) AS id WHERE pg_try_advisory_xact_lock(%s, id)",
            (list(partner_ids), LOCK_NAMESPACE),
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _preview(self, company, partners=None, now=None, force_manual=False, ignore_hours=False):
        """``(plan, levels)`` of the next run for ``company`` (nothing is written)."""
        now = now or fields.Datetime.now()
        levels, level_frame = self._levels_frame(company)
        if not levels:
            return None, levels
        partner_ids = self._candidates(company, levels, now.date(), partners)
        plan, _invoices, _customers = self._plan(
            company,
            levels,
            level_frame,
            partner_ids,
            now,
            force_manual=force_manual,
            ignore_hours=ignore_hours,
        )
        return plan, levels

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
        self._stamp_invoices(levels, level_frame, done, now)

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

    def _stamp_invoices(self, levels, level_frame, rows, now):
        """Record the level, its date and when the next level may fall due on the
        invoices reaching a level (``rows``) and the next date on their customers."""
        if rows.empty:
            return
        level_ids = np.asarray(levels.ids)
        wait = policy.next_level_days(
            rows["days_overdue"].to_numpy(),
            rows["band"].to_numpy(dtype=object),
            rows["new_rank"].to_numpy(),
            np.zeros(len(rows)),
            level_frame["days"].to_numpy(),
            level_frame[[c for c in level_frame if c.startswith("band_")]].to_numpy(bool),
            level_frame["spacing_days"].to_numpy(),
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
            """
            UPDATE res_partner p SET ai_dunning_next_date = sub.next_date
              FROM (SELECT commercial_partner_id, MIN(ai_dunning_next_date) AS next_date
                      FROM account_move
                     WHERE commercial_partner_id = ANY(%s)
                       AND move_type = 'out_invoice' AND state = 'posted'
                       AND payment_state IN ('not_paid', 'partial')
                     GROUP BY commercial_partner_id) sub
             WHERE p.id = sub.commercial_partner_id
            """,
            [rows["customer_id"].astype(int).unique().tolist()],
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
