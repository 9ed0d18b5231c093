"""Daily dunning run: the driver (cron batches, optional queue_job, claims, recording).

Flow of a batch of customers (``_run_batch``):

1. claim the customers: a transaction-level advisory lock per customer (a customer
   being dunned by another transaction is left to it, never waited for);
2. read the batch in bulk SQL and decide it with ``dunning_policy.plan_run``
   (``ai_dunning_run_select.py``): at most one conversation per customer;
3. record the skips, then claim the levels the plan executes: ``INSERT ... ON
   CONFLICT DO NOTHING`` on the log's unique (invoice, level) index; a customer
   one of whose levels was recorded meanwhile is dropped, its claim undone
   (``ai_dunning_run_record.py``);
4. execute the conversations through Odoo's mail (``ai_dunning_run_execute.py``)
   and record what was done on the claimed lines; stamp the invoices.

The scheduled action works the companies in batches of customers, commits each
batch and hands over with ``ir.cron._notify_progress``: the next call resumes after
the last customer of the previous one (its cursor, saved at the hand-over), and a
customer done today is never done twice (``already_contacted_today`` and the claimed
levels): killed half way, the next call reads again the customers done since the
last hand-over and finds them done. When OCA ``queue_job`` is installed, the scheduled action
enqueues one job per batch instead (``ai_dunning_run_queue.py``).
"""

import logging
import time
import uuid
from collections import defaultdict
from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import split_every

from .cron_isolation import report_skipped, run_isolated

_logger = logging.getLogger(__name__)

# First key of the per-customer advisory lock (second = customer id): "AIDN".
LOCK_NAMESPACE = 0x4149444E & 0x7FFFFFFF
# Where the scheduled action stands in today's pass, per company.
CURSOR_PARAM = "ar_ai_collections.dunning_cursor_%s"


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
        # levels falling due later today). Saved at the hand-over only: writing a
        # parameter clears the ORM caches of every worker of the database.
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
        :param commit: commit after every batch (the scheduled action)
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
