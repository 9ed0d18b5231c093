"""Daily dunning run: SQL candidate selection, vectorized decisions, queued actions.

Flow per company (``run``):

1. take a transaction-level advisory lock per company (a concurrent run of the
   same company stops instead of waiting);
2. select the customers with open posted invoices old enough for the first
   level, then, per batch of customers, their invoices with ``FOR UPDATE SKIP
   LOCKED`` (one SQL query, no ORM per invoice);
3. decide the next level of every invoice and apply the guards with the numpy
   functions of ``ar_ai_collections.dunning_policy``;
4. record skips and reviews in ``ai_dunning_log`` (``INSERT ... ON CONFLICT DO
   NOTHING`` on partial unique indexes: a decision is recorded once);
5. act per (customer, level): emails queued in ``mail.mail`` (never sent inline),
   activities created in batch, chatter notes logged in batch; then record the
   executed levels in one INSERT: a level found recorded already rolls the batch's
   actions back, so a level is never executed twice for the same invoice;
6. in cron mode commit after every batch (resumable: an interrupted run restarts
   where it stopped because recorded levels are not due again); the ORM cache is
   dropped between batches.

Reminders of a batch are rendered by Odoo with the template compiled once
(``models/ir_qweb.py``) and language-aware formatters resolved once
(``models/mail_render_mixin.py``), then queued in bulk SQL
(``models/mail_mail.py``). Letters and statements need wkhtmltopdf: without it a
letter is kept as printable HTML and the email goes without the statement, the run
never stops on a report.
"""

import logging
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ..ar_ai_collections import dunning_policy as policy
from ..ar_ai_collections.constants import RISK_BANDS
from .cron_isolation import report_skipped, run_isolated
from .ir_qweb import open_render_cache, release_render_cache
from .mail_mail import RENDER_FIELDS, link_many2many

_logger = logging.getLogger(__name__)

# Database connections the scheduled action works the batches on (``_run_lanes``).
CRON_LANES = 2

# Reminders rendered and inserted per chunk (``send_mail_batch`` renders 50 at a time).
MAIL_RENDER_CHUNK = 100


# First key of the advisory lock (second = company id): "AIDN".
LOCK_NAMESPACE = 0x4149444E & 0x7FFFFFFF

CANDIDATE_PARTNERS_SQL = """
    SELECT DISTINCT m.commercial_partner_id
      FROM account_move m
     WHERE m.company_id = %(company_id)s
       AND m.move_type = 'out_invoice'
       AND m.state = 'posted'
       AND m.payment_state IN ('not_paid', 'partial')
       AND m.invoice_date_due <= %(horizon)s
       AND (%(partner_ids)s::int[] IS NULL OR m.commercial_partner_id = ANY(%(partner_ids)s))
     ORDER BY m.commercial_partner_id
"""

CANDIDATE_INVOICES_SQL = """
    SELECT m.id AS move_id,
           m.commercial_partner_id AS partner_id,
           (%(today)s::date - m.invoice_date_due) AS days_overdue,
           COALESCE(m.ai_risk_band, p.ai_risk_band) AS band,
           m.amount_residual_signed AS amount_company,
           m.amount_residual AS amount_residual,
           m.currency_id AS currency_id,
           COALESCE(m.ai_in_dispute, FALSE) AS in_dispute,
           COALESCE(m.ai_has_open_promise, FALSE) AS has_promise,
           COALESCE(m.ai_dunning_blocked, FALSE) AS blocked,
           COALESCE(p.ai_dunning_do_not_contact, FALSE) AS do_not_contact,
           COALESCE(p.ai_dunning_excluded, FALSE) AS excluded,
           COALESCE(p.ai_followup_mode, 'automatic') = 'manual' AS manual_mode,
           COALESCE(p.ai_dunning_sensitive, FALSE) AS sensitive,
           p.tz AS tz,
           p.ai_collector_id AS collector_id,
           (SELECT MAX(pr.max_date)
              FROM account_move_line aml
              JOIN account_partial_reconcile pr ON pr.debit_move_id = aml.id
             WHERE aml.move_id = m.id) AS last_payment_date
      FROM account_move m
      JOIN res_partner p ON p.id = m.commercial_partner_id
     WHERE m.company_id = %(company_id)s
       AND m.move_type = 'out_invoice'
       AND m.state = 'posted'
       AND m.payment_state IN ('not_paid', 'partial')
       AND m.invoice_date_due <= %(horizon)s
       AND m.commercial_partner_id = ANY(%(partner_ids)s)
     ORDER BY m.commercial_partner_id, m.invoice_date_due, m.id
       FOR UPDATE OF m SKIP LOCKED
"""

# Customers with a payment (or credit) sitting unreconciled on their receivable.
UNRECONCILED_PAYMENT_SQL = """
    SELECT DISTINCT aml.partner_id
      FROM account_move_line aml
      JOIN account_account acc ON acc.id = aml.account_id
     WHERE aml.company_id = %(company_id)s
       AND aml.partner_id = ANY(%(partner_ids)s)
       AND aml.parent_state = 'posted'
       AND acc.account_type = 'asset_receivable'
       AND aml.reconciled IS NOT TRUE
       AND aml.amount_residual < 0
"""

OPEN_AMOUNT_SQL = """
    SELECT m.commercial_partner_id, SUM(m.amount_residual_signed)
      FROM account_move m
     WHERE m.company_id = %(company_id)s
       AND m.move_type = 'out_invoice'
       AND m.state = 'posted'
       AND m.payment_state IN ('not_paid', 'partial')
       AND m.commercial_partner_id = ANY(%(partner_ids)s)
     GROUP BY m.commercial_partner_id
"""

# Last email received from the customer (any of its contacts).
LAST_REPLY_SQL = """
    SELECT p.commercial_partner_id, MAX(mm.date)::date
      FROM mail_message mm
      JOIN res_partner p ON p.id = mm.author_id
     WHERE p.commercial_partner_id = ANY(%(partner_ids)s)
       AND mm.message_type = 'email'
       AND mm.date >= %(since)s
     GROUP BY p.commercial_partner_id
"""

CONTACTS_7D_SQL = """
    SELECT partner_id, COUNT(DISTINCT (run_uuid, level_id))
      FROM ai_dunning_log
     WHERE partner_id = ANY(%(partner_ids)s)
       AND outcome IN ('sent', 'approved')
       AND date > %(since)s
     GROUP BY partner_id
"""

EXECUTED_LEVELS_SQL = """
    SELECT move_id, level_id, date
      FROM ai_dunning_log
     WHERE move_id = ANY(%(move_ids)s)
       AND outcome <> 'skipped'
"""

INSERT_LOG_SQL = """
    INSERT INTO ai_dunning_log (
        company_id, date, run_uuid, partner_id, move_id, level_id, collector_id,
        risk_band, days_overdue, currency_id, amount_residual, outcome, reason, tone,
        action, mail_id, recipient_id, note, create_uid, write_uid, create_date, write_date,
        mail_retry_count, paid_within_window)
    SELECT %(company_id)s, %(now)s, %(run_uuid)s, t.partner_id, t.move_id, t.level_id,
           NULLIF(t.collector_id, 0), t.band, t.days_overdue, t.currency_id,
           t.amount_residual, t.outcome, NULLIF(t.reason, ''), lvl.tone,
           NULLIF(t.action, ''), NULLIF(t.mail_id, 0), NULLIF(t.recipient_id, 0),
           NULLIF(t.note, ''),
           %(uid)s, %(uid)s, %(now)s, %(now)s, 0, FALSE
      FROM unnest(%(partner_id)s::int[], %(move_id)s::int[], %(level_id)s::int[],
                  %(collector_id)s::int[], %(band)s::varchar[], %(days_overdue)s::int[],
                  %(currency_id)s::int[], %(amount_residual)s::numeric[],
                  %(outcome)s::varchar[], %(reason)s::varchar[], %(action)s::varchar[],
                  %(mail_id)s::int[], %(recipient_id)s::int[], %(note)s::text[])
           AS t(partner_id, move_id, level_id, collector_id, band, days_overdue,
                currency_id, amount_residual, outcome, reason, action, mail_id,
                recipient_id, note)
      JOIN ai_dunning_level lvl ON lvl.id = t.level_id
    {conflict}
    RETURNING id, move_id
"""
CONFLICT_EXEC = "ON CONFLICT (move_id, level_id) WHERE outcome <> 'skipped' DO NOTHING"
CONFLICT_SKIP = "ON CONFLICT (move_id, level_id, reason) WHERE outcome = 'skipped' DO NOTHING"


class Executed(NamedTuple):
    """What ``_execute`` did for one (invoice, level), as recorded on its log line."""

    action: str = ""  # comma-separated: email, activity, letter, fee, stop
    mail_id: int = 0  # 0: no email
    recipient_id: int = 0
    note: str = ""  # errors; empty when all went well


class AlreadyExecuted(Exception):
    """Some levels of a batch were recorded meanwhile: its actions are rolled back."""

    def __init__(self, count):
        super().__init__(count)
        self.count = count


class AiDunningRun(models.AbstractModel):
    """Service running the dunning ladder for a company (cron, preview, run now)."""

    _name = "ai.dunning.run"
    _description = "Dunning Run"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_run(self, batch_size=500, lanes=CRON_LANES):
        """Daily scheduled action: run every company, then retry mails and outcomes.

        A customer the run fails on is skipped (see ``_run_batch``); a company whose
        run fails is reported to its managers and the next company is run.
        """
        for company in self.env["res.company"].search([("ai_dunning_enabled", "=", True)]):
            try:
                self.with_company(company).run(
                    company, commit=True, batch_size=batch_size, lanes=lanes
                )
            except Exception as error:  # whatever it is, the other companies go on
                # Batches are committed one by one: only the failed one is undone.
                self.env.cr.rollback()  # pylint: disable=invalid-commit
                report_skipped(company, self.env._("Dunning run"), error)
                self.env.cr.commit()  # pylint: disable=invalid-commit
        self._retry_failed_mails(commit=True)
        self.env["ai.dunning.log"]._cron_compute_outcomes()

    @api.private
    @api.model
    def refresh_company(self, company):
        """Run the ladder now for ``company`` (demo set-up, scripts): the business-hours
        guard is bypassed so that the run acts whatever the time of day."""
        stats = self.with_company(company).run(company, ignore_hours=True)
        self.env["ai.dunning.log"]._cron_compute_outcomes()
        return stats

    @api.model
    def _try_lock(self, company):
        """Take the company's dunning lock for the current transaction; False if held."""
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, company.id)
        )
        return self.env.cr.fetchone()[0]

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
        lanes=1,
    ):
        """Run the dunning ladder for ``company`` (optionally only ``partners``).

        :param now: naive UTC datetime (default: now), drives days overdue and hours
        :param commit: commit after every batch (cron mode only, never in tests)
        :param force_manual: also process customers in manual follow-up ("Run now")
        :param ignore_hours: bypass the business-hours guard ("Run now" by a user)
        :param lanes: database connections working the batches side by side, each
            committing its own (cron mode, see ``_run_lanes``); 1: the current cursor
        :return: dict of counters (and ``locked`` when another run holds the lock)
        """
        if lanes > 1 and not commit:
            raise ValueError("Dunning lanes commit their own batches: lanes > 1 needs commit.")
        started = time.monotonic()
        now = now or fields.Datetime.now()
        run_uuid = uuid.uuid4().hex
        stats = defaultdict(int)
        ctx = self._prepare_context(company, now)
        if ctx is None:
            return dict(stats)
        partner_ids = self._candidate_partners(company, ctx, partners)
        batches = list(split_every(batch_size, partner_ids, list))
        # (A registry in test mode hands every cursor the one test transaction.)
        if lanes > 1 and len(batches) > 1 and not self.env.registry.in_test_mode():
            # Lanes see what is committed; this transaction then holds the company lock
            # while they work, and ends with them (later reads see their work).
            self.env.cr.commit()  # pylint: disable=invalid-commit
            if self._try_lock(company):
                self._run_lanes(
                    company, now, batches, run_uuid, stats, lanes, force_manual, ignore_hours
                )
            else:
                self._log_locked(company, stats)
            self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env.invalidate_all()
            batches = []
        for batch in batches:
            if not self._try_lock(company):
                self._log_locked(company, stats)
                break
            self._run_batch(company, ctx, batch, run_uuid, stats, force_manual, ignore_hours)
            stats["batches"] += 1
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            # Batches share nothing: a cache holding every batch's records made each
            # batch slower than the last (100k invoices: 75 s -> 55 s when dropped).
            self.env.invalidate_all(flush=True)
        stats["customers"] = len(partner_ids)
        stats["duration_ms"] = int((time.monotonic() - started) * 1000)
        _logger.info("Dunning run %s for %s: %s", run_uuid, company.name, dict(stats))
        return dict(stats)

    def _log_locked(self, company, stats):
        stats["locked"] = 1
        _logger.info("Dunning run for %s stopped: another run holds the lock.", company.name)

    def _run_lanes(self, company, now, batches, run_uuid, stats, lanes, force_manual, ignore_hours):
        """Work ``batches`` on ``lanes`` threads, each with its own database cursor.

        A batch is about as much Python (rendering reminders, building records) as
        SQL (inserting log lines, emails, notes; updating invoices), and the database
        server works in its own process: while one lane waits for its queries,
        another renders. Each lane takes the next batch, acts and commits it, like
        the single-cursor cron mode; lanes never share a customer, so they never
        wait for each other's row locks. If a lane fails, the others stop after their
        current batch and the error is raised: committed batches stay done.
        """
        pending = iter(batches)
        take = threading.Lock()
        failed = threading.Event()
        dbname = self.env.cr.dbname

        def lane():
            threading.current_thread().dbname = dbname  # Odoo's log lines show it
            lane_stats = defaultdict(int)
            with self.env.registry.cursor() as cr:
                env = self.env(cr=cr)
                dunning = env[self._name]
                lane_company = company.with_env(env)
                ctx = dunning._prepare_context(lane_company, now)
                while not failed.is_set():
                    with take:
                        batch = next(pending, None)
                    if batch is None:
                        break
                    try:
                        dunning._run_batch(
                            lane_company,
                            ctx,
                            batch,
                            run_uuid,
                            lane_stats,
                            force_manual,
                            ignore_hours,
                        )
                        cr.commit()  # pylint: disable=invalid-commit
                    except Exception:
                        failed.set()
                        raise
                    lane_stats["batches"] += 1
                    env.invalidate_all()
            return lane_stats

        with ThreadPoolExecutor(lanes, thread_name_prefix="ai_dunning_lane") as executor:
            futures = [executor.submit(lane) for _index in range(lanes)]
        for future in futures:
            for key, value in future.result().items():
                stats[key] += value

    def _run_batch(self, company, ctx, partner_ids, run_uuid, stats, force_manual, ignore_hours):
        """Decide and act for the customers ``partner_ids``; a customer the batch fails
        on (a corrupt record) is skipped and reported to a manager, the others are
        dunned (see ``run_isolated``)."""

        def dun(partners):
            batch_stats = defaultdict(int)
            decisions = self._decide(company, ctx, partners.ids, force_manual, ignore_hours)
            self._apply(company, ctx, decisions, run_uuid, batch_stats)
            for key, value in batch_stats.items():
                stats[key] += value

        skipped = run_isolated(
            self.env["res.partner"].browse(partner_ids), self.env._("Dunning run"), dun
        )
        if skipped:
            stats["skipped_customers"] += len(skipped)

    @api.model
    def _preview(self, company, partners=None, now=None, force_manual=False, ignore_hours=False):
        """Return the decisions the next run would take, without acting (a DataFrame)."""
        now = now or fields.Datetime.now()
        ctx = self._prepare_context(company, now)
        if ctx is None:
            return pd.DataFrame()
        partner_ids = self._candidate_partners(company, ctx, partners)
        if not partner_ids:
            return pd.DataFrame()
        return self._decide(company, ctx, partner_ids, force_manual, ignore_hours, lock=False)

    # ------------------------------------------------------------------
    # Decision
    # ------------------------------------------------------------------
    def _prepare_context(self, company, now):
        levels = self.env["ai.dunning.level"].search(
            [("company_id", "=", company.id)], order="sequence, days, id"
        )
        if not levels:
            return None
        level_days = np.array(levels.mapped("days"), dtype=np.int64)
        today = now.date()
        return {
            "now": now,
            "today": today,
            "levels": levels,
            "level_ids": np.array(levels.ids, dtype=np.int64),
            "level_days": level_days,
            "level_bands": np.array(levels._band_flags(), dtype=bool).reshape(
                len(levels), len(RISK_BANDS)
            ),
            "horizon": today - timedelta(days=int(level_days.min())),
            "rank_of": {level_id: rank for rank, level_id in enumerate(levels.ids)},
        }

    def _candidate_partners(self, company, ctx, partners=None):
        self.env.flush_all()
        self.env.cr.execute(
            CANDIDATE_PARTNERS_SQL,
            {
                "company_id": company.id,
                "horizon": ctx["horizon"],
                "partner_ids": partners.commercial_partner_id.ids if partners else None,
            },
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _decide(self, company, ctx, partner_ids, force_manual=False, ignore_hours=False, lock=True):
        """Return one row per invoice with a level due: level, outcome to record, reason."""
        cr = self.env.cr
        query = (
            CANDIDATE_INVOICES_SQL
            if lock
            else CANDIDATE_INVOICES_SQL.replace("FOR UPDATE OF m SKIP LOCKED", "")
        )
        params = {
            "company_id": company.id,
            "today": ctx["today"],
            "horizon": ctx["horizon"],
            "partner_ids": list(partner_ids),
        }
        cr.execute(query, params)
        columns = [desc[0] for desc in cr.description]
        df = pd.DataFrame(cr.fetchall(), columns=columns)
        if df.empty:
            return df
        # Last executed rank per invoice.
        cr.execute(EXECUTED_LEVELS_SQL, {"move_ids": df["move_id"].tolist()})
        last_rank = defaultdict(lambda: -1)
        last_date = {}
        for move_id, level_id, date in cr.fetchall():
            rank = ctx["rank_of"].get(level_id, -1)
            last_rank[move_id] = max(last_rank[move_id], rank)
            last_date[move_id] = max(last_date.get(move_id, date), date).date()
        df["last_rank"] = df["move_id"].map(lambda m: last_rank[m]).astype(np.int64)
        df["rank"] = policy.next_level_rank(
            df["days_overdue"].to_numpy(),
            df["band"].to_numpy(dtype=object),
            df["last_rank"].to_numpy(),
            ctx["level_days"],
            ctx["level_bands"],
        )
        df["level_id"] = np.where(df["rank"] >= 0, ctx["level_ids"][df["rank"].clip(lower=0)], 0)
        df["amount_company"] = df["amount_company"].astype(float)
        # Customer-level figures (all open invoices, not only the batch's due ones).
        cr.execute(UNRECONCILED_PAYMENT_SQL, params)
        unreconciled = {row[0] for row in cr.fetchall()}
        cr.execute(OPEN_AMOUNT_SQL, params)
        open_amount = {pid: float(amount or 0.0) for pid, amount in cr.fetchall()}
        overdue = df[df["days_overdue"] > 0].groupby("partner_id")["amount_company"].sum()
        df = df[df["rank"] >= 0].copy()
        if df.empty:
            return df
        df["reason"] = ""
        reason = df["reason"].to_numpy(dtype=object)

        def mark(mask, code):
            mask = np.asarray(mask, dtype=bool) & (reason == "")
            reason[mask] = code

        # Order = priority of the reason recorded.
        mark(df["excluded"].to_numpy(), "excluded")
        mark(df["do_not_contact"].to_numpy(), "do_not_contact")
        if not force_manual:
            mark(df["manual_mode"].to_numpy(), "manual_mode")
        mark(df["blocked"].to_numpy(), "no_followup")
        mark(df["in_dispute"].to_numpy(), "dispute")
        mark(df["has_promise"].to_numpy(), "promise")
        mark(self._engaged(company, ctx, df, last_date, params), "engaged")
        mark(df["partner_id"].isin(unreconciled).to_numpy(), "unreconciled_payment")
        partner_overdue = df["partner_id"].map(overdue).fillna(0.0).to_numpy()
        pre_due_only = partner_overdue <= 0
        mark(
            ~policy.min_amount_ok(partner_overdue, company.ai_dunning_min_amount) & ~pre_due_only,
            "min_amount",
        )
        if not ignore_hours:
            hours_ok = policy.business_hours_ok(
                ctx["now"].replace(tzinfo=UTC),
                df["tz"].tolist(),
                company.ai_dunning_hour_start,
                company.ai_dunning_hour_end,
                weekdays_only=company.ai_dunning_weekdays_only,
                default_tz=company.partner_id.tz or "UTC",
            )
            mark(~hours_ok, "quiet_hours")
        # Frequency cap: one contact per (customer, level) group, highest level first.
        self._mark_frequency_cap(company, ctx, df, reason)
        df["reason"] = reason
        # Review: sensitive customers, big balances, manual-review levels.
        review_levels = set(ctx["levels"].filtered("manual_review").ids)
        df["review"] = (
            policy.needs_review(
                df["partner_id"].map(open_amount).fillna(0.0).to_numpy(),
                df["sensitive"].to_numpy(),
                company.ai_dunning_review_amount,
            )
            | df["level_id"].isin(review_levels).to_numpy()
        )
        df["outcome"] = np.where(
            df["reason"] != "", "skipped", np.where(df["review"], "queued_review", "sent")
        )
        return df

    def _engaged(self, company, ctx, df, last_date, params):
        """Off-ramp: a part payment or a customer email since the last reminder, within
        the company's payment window, pauses the ladder for that invoice/customer."""
        since = ctx["today"] - timedelta(days=company.ai_dunning_payment_window_days or 14)
        self.env.cr.execute(LAST_REPLY_SQL, {**params, "since": since})
        replies = dict(self.env.cr.fetchall())
        epoch = pd.Timestamp(since)
        event = pd.concat(
            [
                pd.to_datetime(df["last_payment_date"]),
                pd.to_datetime(df["partner_id"].map(replies)),
            ],
            axis=1,
        ).max(axis=1)
        dunned = pd.to_datetime(df["move_id"].map(last_date)).fillna(epoch)
        floor = dunned.where(dunned > epoch, epoch)
        return (event.notna() & (event >= floor)).to_numpy()

    def _mark_frequency_cap(self, company, ctx, df, reason):
        cap = company.ai_dunning_max_contacts_7d
        if cap <= 0:
            return
        self.env.cr.execute(
            CONTACTS_7D_SQL,
            {
                "partner_ids": df["partner_id"].unique().tolist(),
                "since": ctx["now"] - timedelta(days=7),
            },
        )
        contacts = dict(self.env.cr.fetchall())
        alive = reason == ""
        groups = (
            df.loc[alive, ["partner_id", "rank"]]
            .drop_duplicates()
            .sort_values(["partner_id", "rank"], ascending=[True, False])
        )
        if groups.empty:
            return
        groups["planned_before"] = groups.groupby("partner_id").cumcount()
        groups["ok"] = policy.frequency_cap_ok(
            groups["partner_id"].map(contacts).fillna(0).to_numpy(),
            groups["planned_before"].to_numpy(),
            cap,
        )
        blocked = groups.loc[~groups["ok"], ["partner_id", "rank"]]
        if blocked.empty:
            return
        keys = set(zip(blocked["partner_id"], blocked["rank"], strict=True))
        mask = (
            np.fromiter(
                ((p, r) in keys for p, r in zip(df["partner_id"], df["rank"], strict=True)),
                dtype=bool,
                count=len(df),
            )
            & alive
        )
        reason[mask] = "frequency_cap"

    # ------------------------------------------------------------------
    # Application
    # ------------------------------------------------------------------
    def _insert_logs(self, company, ctx, rows, run_uuid):
        """Insert log lines for ``rows`` (one outcome kind: skipped, queued for review
        or executed); return ``{move_id: log_id}`` of the inserted ones.

        ``rows`` carries ``outcome`` and, for executed lines, what was done
        (the fields of ``Executed``); a line that would repeat an existing
        decision is not inserted (partial unique indexes, ``ON CONFLICT DO NOTHING``).
        """
        if rows.empty:
            return {}
        skipped = rows["outcome"].eq("skipped").all()
        self.env.cr.execute(
            INSERT_LOG_SQL.format(conflict=CONFLICT_SKIP if skipped else CONFLICT_EXEC),
            {
                "company_id": company.id,
                "now": ctx["now"],
                "run_uuid": run_uuid,
                "uid": self.env.uid,
                "partner_id": rows["partner_id"].astype(int).tolist(),
                "move_id": rows["move_id"].astype(int).tolist(),
                "level_id": rows["level_id"].astype(int).tolist(),
                "collector_id": pd.to_numeric(rows["collector_id"], errors="coerce")
                .fillna(0)
                .astype(int)
                .tolist(),
                "band": [b if isinstance(b, str) else None for b in rows["band"]],
                "days_overdue": rows["days_overdue"].astype(int).tolist(),
                "currency_id": rows["currency_id"].astype(int).tolist(),
                "amount_residual": rows["amount_residual"].astype(float).tolist(),
                "outcome": rows["outcome"].tolist(),
                "reason": rows["reason"].tolist(),
                **{
                    column: rows[column].tolist() if column in rows else [default] * len(rows)
                    for column, default in Executed()._asdict().items()
                },
            },
        )
        return {move_id: log_id for log_id, move_id in self.env.cr.fetchall()}

    def _apply(self, company, ctx, df, run_uuid, stats):
        """Record the batch's decisions; execute and record the due levels.

        Levels are executed first and recorded after, in one INSERT: the batch's
        invoices are locked (``FOR UPDATE``) and the company lock is held, so no other
        run can execute them meanwhile. The unique index stays the last guard: if a
        level turns out to be recorded already (decisions replayed without the locks),
        the batch's actions are rolled back to a savepoint, queued emails included
        (nothing leaves before the commit), and the run goes on.
        """
        if df.empty:
            return
        for outcome in ("skipped", "queued_review"):
            inserted = self._insert_logs(company, ctx, df[df["outcome"] == outcome], run_uuid)
            stats[outcome] += len(inserted)
        rows = df[df["outcome"] == "sent"]
        if rows.empty:
            return
        batch_stats = defaultdict(int)
        try:
            with self.env.cr.savepoint():
                done = self._execute(company, rows, batch_stats)
                rows = rows.join(
                    pd.DataFrame([done[key] for key in self._keys(rows)], index=rows.index)
                )
                rows["outcome"] = np.where(rows["note"] != "", "error", "sent")
                inserted = self._insert_logs(company, ctx, rows, run_uuid)
                if len(inserted) < len(rows):
                    raise AlreadyExecuted(len(rows) - len(inserted))
        except AlreadyExecuted as exc:
            stats["already_executed"] += exc.count
            _logger.warning(
                "Dunning run %s: %s levels were already executed; batch rolled back.",
                run_uuid,
                exc.count,
            )
            return
        for key, value in batch_stats.items():
            stats[key] += value
        self._update_moves(
            ctx,
            [
                (
                    row.move_id,
                    ctx["today"] - timedelta(days=int(row.days_overdue)),
                    row.band,
                    row.level_id,
                    ctx["now"],
                    row.partner_id,
                )
                for row in rows.itertuples(index=False)
            ],
        )

    @staticmethod
    def _keys(rows):
        """``(invoice, level)`` of each row: the key of what ``_execute`` did."""
        return list(zip(rows["move_id"].astype(int), rows["level_id"].astype(int), strict=True))

    def _execute_reviewed(self, logs):
        """Execute queued reviews (called by ``ai.dunning.log.action_approve``)."""
        stats = defaultdict(int)
        for company in logs.company_id:
            company_logs = logs.filtered(lambda log, c=company: log.company_id == c)
            rows = pd.DataFrame(
                {
                    "move_id": [log.move_id.id for log in company_logs],
                    "partner_id": [log.partner_id.id for log in company_logs],
                    "level_id": [log.level_id.id for log in company_logs],
                }
            )
            company_logs.write(
                {
                    "outcome": "sent",
                    "approved_by_id": self.env.user.id,
                    "approved_date": fields.Datetime.now(),
                }
            )
            company_logs.flush_recordset()
            done = self._execute(company, rows, stats)
            self._record_executed(company_logs, done)
            # Errors stay errors; successful lines become "approved".
            company_logs.filtered(lambda log: log.outcome == "sent").write({"outcome": "approved"})
            now = fields.Datetime.now()
            self._update_moves(self._prepare_context(company, now), self._moves_of(company_logs))
        return dict(stats)

    def _record_executed(self, logs, done):
        """Write what ``_execute`` did (``done``) on existing log lines."""
        log_of = {(log.move_id.id, log.level_id.id): log.id for log in logs}
        keys = [key for key in done if key in log_of]
        self.env.cr.execute(
            """
            UPDATE ai_dunning_log l
               SET action = NULLIF(t.action, ''), mail_id = NULLIF(t.mail_id, 0),
                   recipient_id = NULLIF(t.recipient_id, 0),
                   outcome = CASE WHEN t.note <> '' THEN 'error' ELSE l.outcome END,
                   note = NULLIF(t.note, '')
              FROM unnest(%s::int[], %s::varchar[], %s::int[], %s::int[], %s::text[])
                   AS t(id, action, mail_id, recipient_id, note)
             WHERE l.id = t.id
            """,
            (
                [log_of[key] for key in keys],
                [done[key].action for key in keys],
                [done[key].mail_id for key in keys],
                [done[key].recipient_id for key in keys],
                [done[key].note for key in keys],
            ),
        )
        logs.invalidate_recordset(["action", "mail_id", "recipient_id", "outcome", "note"])

    def _execute(self, company, rows, stats):
        """Perform the level actions per (customer, level) for ``rows``.

        :return: ``{(invoice id, level id): Executed}``
        """
        Partner = self.env["res.partner"].with_company(company)
        # Computed on access (searches): read once per batch from the invoices as they are.
        Partner.invalidate_model(["ai_dunning_invoice_ids", "ai_dunning_recipient_id"])
        errors = defaultdict(list)  # (move_id, level_id) -> messages
        actions = defaultdict(list)
        mail_of = {}
        activities = []
        partner_notes, move_notes = {}, {}
        fees = []
        for level_id, level_rows in rows.groupby("level_id"):
            level = self.env["ai.dunning.level"].browse(int(level_id))
            by_partner = level_rows.groupby("partner_id")["move_id"].apply(list).to_dict()
            partners = Partner.browse(list(by_partner))
            if level.send_email:
                email_started = time.monotonic()
                self._send_emails(level, partners, by_partner, errors, actions, mail_of, activities)
                stats["email_ms"] += int((time.monotonic() - email_started) * 1000)
            if level.create_activity:
                for partner in partners:
                    activities.append(
                        self._activity_values(
                            level,
                            partner,
                            level.activity_summary or level.name,
                        )
                    )
                    for move_id in by_partner[partner.id]:
                        actions[move_id, level.id].append("activity")
            if level.print_letter:
                self._print_letters(level, partners, by_partner, actions)
            if level.fee_enabled and level.fee_product_id and level.fee_amount > 0:
                fees.extend(self._fee_invoice_values(company, level, partners))
                for partner in partners:
                    for move_id in by_partner[partner.id]:
                        actions[move_id, level.id].append("fee")
            if level.stop_automation:
                # sudo: the hand-over switches the customer to manual follow-up, whoever runs it
                partners.sudo().write({"ai_followup_mode": "manual"})
                for partner in partners:
                    activities.append(
                        self._activity_values(
                            level,
                            partner,
                            self.env._("Dunning stopped: hand over to collections agency"),
                        )
                    )
                    for move_id in by_partner[partner.id]:
                        actions[move_id, level.id].append("stop")
            for partner in partners:
                moves = self.env["account.move"].browse(by_partner[partner.id])
                body = Markup("<p>%s</p>") % self.env._(
                    "Dunning level %(level)s for %(invoices)s.",
                    level=level.name,
                    invoices=", ".join(moves.mapped("name")),
                )
                partner_notes[partner.id] = partner_notes.get(partner.id, Markup()) + body
                move_body = Markup("<p>%s</p>") % self.env._(
                    "Dunning level %(level)s executed.", level=level.name
                )
                for move_id in by_partner[partner.id]:
                    move_notes[move_id] = move_body
        if activities:
            self._create_activities(activities)
        if fees:
            # Fee invoices go into the books: created with the rights of the user who
            # runs dunning (a collector's "Run now", a manager's approval), never as
            # superuser; the scheduled action runs as superuser anyway.
            self.env["account.move"].sudo(False).with_company(company).create(fees)
        self._log_notes("res.partner", partner_notes)
        self._log_notes("account.move", move_notes)
        done = {
            key: Executed(
                ",".join(dict.fromkeys(actions[key])),
                *mail_of.get(key, (0, 0)),
                "\n".join(errors[key]),
            )
            for key in self._keys(rows)
        }
        n_errors = sum(1 for result in done.values() if result.note)
        stats["error"] += n_errors
        stats["sent"] += len(done) - n_errors
        stats["emails"] += len({mail_id for mail_id, _recipient in mail_of.values()})
        stats["activities"] += len(activities)
        return done

    def _create_activities(self, values_list):
        """Create activities in batch, one per (document, type, user).

        Activities of the same customer, type and user are merged (summaries and
        notes joined); the rest are created in rounds where every document appears
        once, because ``mail.activity.create`` subscribes the assignees per batch
        and fails on a document listed twice.
        """
        merged = {}
        for values in values_list:
            key = (
                values["res_model_id"],
                values["res_id"],
                values["activity_type_id"],
                values["user_id"],
            )
            if key not in merged:
                merged[key] = dict(values)
                continue
            kept = merged[key]
            if values.get("summary") and values["summary"] not in (kept.get("summary") or ""):
                kept["summary"] = f"{kept.get('summary') or ''}; {values['summary']}".strip("; ")
            if values.get("note"):
                note = escape(values["note"])
                kept["note"] = (
                    Markup("%s<br/>%s") % (kept["note"], note) if kept.get("note") else note
                )
            kept["date_deadline"] = min(kept["date_deadline"], values["date_deadline"])
        rounds = []
        for values in merged.values():
            doc = (values["res_model_id"], values["res_id"])
            for batch in rounds:
                if doc not in batch:
                    batch[doc] = values
                    break
            else:
                rounds.append({doc: values})
        # No "activity assigned" email per activity: a run assigns hundreds to each
        # collector, who sees them in the activity menu.
        # sudo: dunning gives collectors activities on customers the runner may not edit
        Activity = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True)
        for batch in rounds:
            Activity.create(list(batch.values()))

    def _log_notes(self, model, bodies):
        """Log internal chatter notes ``{res_id: Markup body}`` in one INSERT.

        Equivalent to ``_message_log_batch`` (internal note, no notification) for
        bodies built here from escaped values, without one ORM create per document.
        """
        if not bodies:
            return
        author = self.env.user.partner_id
        subtype = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        res_ids = list(bodies)
        self.env.cr.execute(
            """
            INSERT INTO mail_message (
                model, res_id, body, message_type, subtype_id, author_id, email_from,
                date, is_internal, reply_to_force_new, message_id,
                create_uid, write_uid, create_date, write_date)
            SELECT %(model)s, t.res_id, t.body, 'notification', %(subtype)s, %(author)s,
                   %(email_from)s, %(now)s, TRUE, FALSE,
                   '<' || md5(random()::text || t.res_id::text) || '-ai-dunning-'
                       || t.res_id || '-' || %(model)s || '>',
                   %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM unnest(%(res_ids)s::int[], %(bodies)s::text[]) AS t(res_id, body)
            """,
            {
                "model": model,
                "subtype": subtype,
                "author": author.id,
                "email_from": author.email_formatted or None,
                "now": fields.Datetime.now(),
                "uid": self.env.uid,
                "res_ids": res_ids,
                "bodies": [str(bodies[res_id]) for res_id in res_ids],
            },
        )
        self.env["mail.message"].invalidate_model()
        self.env[model].browse(res_ids).invalidate_recordset(["message_ids"])

    def _fee_invoice_values(self, company, level, partners):
        """Draft fee invoices (one per customer), left for the accountant to post."""
        return [
            {
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
            for partner in partners
        ]

    def _activity_values(self, level, partner, summary, note=None):
        activity_type = level.activity_type_id or self.env.ref("mail.mail_activity_data_todo")
        user = partner.ai_collector_id or partner.user_id or self.env.user
        return {
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": partner.id,
            "activity_type_id": activity_type.id,
            "summary": summary,
            "note": note,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self)
            + timedelta(days=level.activity_delay_days),
        }

    def _send_emails(self, level, partners, by_partner, errors, actions, mail_of, activities):
        """Queue one reminder per customer; bounced/blacklisted/missing emails -> error."""
        emails = [e for e in partners.ai_dunning_recipient_id.mapped("email_normalized") if e]
        blacklisted = set(
            # sudo: the blacklist is readable by mail administrators only
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", emails), ("active", "=", True)])
            .mapped("email")
        )
        sendable = self.env["res.partner"]
        for partner in partners:
            recipient = partner.ai_dunning_recipient_id
            problem = None
            if not recipient or not recipient.email_normalized:
                problem = self.env._("No email address for the reminder.")
            elif recipient.email_normalized in blacklisted:
                problem = self.env._("Email %(email)s is blacklisted.", email=recipient.email)
            elif recipient.message_bounce and recipient.message_bounce >= 3:
                problem = self.env._("Email %(email)s bounces.", email=recipient.email)
            if problem:
                for move_id in by_partner[partner.id]:
                    errors[move_id, level.id].append(problem)
                activities.append(
                    self._activity_values(
                        level,
                        partner,
                        self.env._("Dunning email failed: fix contact"),
                        problem,
                    )
                )
            else:
                sendable |= partner
        if not sendable:
            return
        token = uuid.uuid4().hex
        open_render_cache(token)
        try:
            # sudo: reminders render as in the scheduled action, whoever runs dunning
            template = level.mail_template_id.sudo().with_context(ai_dunning_render_token=token)
            mails = self._queue_mails(template, sendable.ids)
        finally:
            release_render_cache(token)
        link_many2many(
            self.env,
            self.env["mail.mail"]._fields["recipient_ids"],
            [
                (mail.id, partner.ai_dunning_recipient_id.id)
                for partner, mail in zip(sendable, mails, strict=True)
            ],
        )
        mails.invalidate_recordset(["recipient_ids"])
        invoice_pdfs = self._invoice_pdfs(level, [by_partner[p.id] for p in sendable])
        for partner, mail in zip(sendable, mails, strict=True):
            attachments = self.env["ir.attachment"].union(
                *(invoice_pdfs[move_id] for move_id in by_partner[partner.id] if invoice_pdfs)
            )
            if level.attach_statement:
                attachments |= self._statement_attachment(partner)
            if attachments:
                mail.write({"attachment_ids": [(4, att.id) for att in attachments]})
            for move_id in by_partner[partner.id]:
                mail_of[move_id, level.id] = (mail.id, partner.ai_dunning_recipient_id.id)
                actions[move_id, level.id].append("email")

    def _queue_mails(self, template, res_ids):
        """Queue ``template`` rendered for ``res_ids``: ``mail.mail`` records, in order.

        In bulk SQL (``mail.mail._ai_queue_rendered``) unless the template needs what
        only ``send_mail_batch`` handles (layout, report attachments, scheduling).
        """
        Mail = self.env["mail.mail"]
        if not Mail._ai_can_queue_in_bulk(template):
            return template.send_mail_batch(res_ids, force_send=False)
        template._send_check_access(res_ids)
        mails = Mail.browse()
        for chunk in split_every(MAIL_RENDER_CHUNK, res_ids):
            rendered = template._generate_template(chunk, RENDER_FIELDS)
            mails |= Mail._ai_queue_rendered(rendered, chunk)
        return mails

    def _invoice_pdfs(self, level, move_id_lists):
        """``{invoice id: its PDF attachment}`` when the level attaches invoices.

        The invoices of the whole batch share one prefetch, so the attachments are
        looked up in a few queries rather than one per email.
        """
        if not level.attach_invoices:
            return {}
        ids = [move_id for move_ids in move_id_lists for move_id in move_ids]
        return {
            move.id: move.invoice_pdf_report_id
            # sudo: invoice PDFs are attachments, attached whatever the runner's rights on them
            for move in self.env["account.move"].sudo().browse(ids)
        }

    def _render_report(self, report, partner, **context):
        """Render ``report`` for ``partner``: ``(content, extension, mimetype, problem)``.

        Without a working wkhtmltopdf (missing or broken on the server) the PDF cannot
        be produced; the printable HTML rendering is returned instead, with the reason,
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

    def _statement_attachment(self, partner):
        report = self.env.ref("ar_ai_collections.action_report_ai_statement", False)
        if not report:
            return self.env["ir.attachment"]
        content, ext, mimetype, problem = self._render_report(report, partner)
        if problem:
            # An HTML file is no statement to email: the reminder goes without it.
            return self.env["ir.attachment"]
        return (
            # sudo: the statement is attached to the customer, which the runner may not edit
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._("Statement %(name)s.%(ext)s", name=partner.name, ext=ext),
                    "raw": content,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "mimetype": mimetype,
                }
            )
        )

    def _print_letters(self, level, partners, by_partner, actions):
        report = self.env.ref("ar_ai_collections.action_report_ai_dunning_letter", False)
        if not report:
            return
        for partner in partners:
            content, ext, mimetype, problem = self._render_report(
                report, partner, ai_dunning_level_id=level.id
            )
            attachment = (
                # sudo: the letter is attached to the customer, which the runner may not edit
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": self.env._("Reminder %(name)s.%(ext)s", name=partner.name, ext=ext),
                        "raw": content,
                        "res_model": "res.partner",
                        "res_id": partner.id,
                        "mimetype": mimetype,
                    }
                )
            )
            body = self.env._("Reminder letter (%(level)s) to print and post.", level=level.name)
            if problem:
                body = self.env._(
                    "%(body)s The PDF could not be generated (%(problem)s): print the "
                    "attached HTML version.",
                    body=body,
                    problem=problem,
                )
            partner.message_post(body=escape(body), attachment_ids=attachment.ids)
            for move_id in by_partner[partner.id]:
                actions[move_id, level.id].append("letter")

    def _moves_of(self, logs):
        """``_update_moves`` rows of ``logs``: each invoice with its latest line (a
        review approval may execute several levels of the same invoice at once)."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (m.id)
                   m.id, m.invoice_date_due, COALESCE(m.ai_risk_band, p.ai_risk_band),
                   l.level_id, l.date, m.commercial_partner_id
              FROM ai_dunning_log l
              JOIN account_move m ON m.id = l.move_id
              JOIN res_partner p ON p.id = m.commercial_partner_id
             WHERE l.id = ANY(%s)
             ORDER BY m.id, l.date DESC, l.id DESC
            """,
            (logs.ids,),
        )
        return self.env.cr.fetchall()

    def _update_moves(self, ctx, rows):
        """Record last level/date and the next reminder date on invoices and customers.

        :param rows: one ``(invoice id, due date, risk band, level id, dunning date,
            customer id)`` per invoice
        """
        if not rows or ctx is None:
            return
        self.env.flush_all()
        cr = self.env.cr
        last_rank = np.array([ctx["rank_of"].get(r[3], -1) for r in rows], dtype=np.int64)
        offsets = policy.next_level_date_offset(
            np.array([r[2] for r in rows], dtype=object),
            last_rank,
            ctx["level_days"],
            ctx["level_bands"],
        )
        next_dates = [
            (r[1] + timedelta(days=int(off))) if not np.isnan(off) else None
            for r, off in zip(rows, offsets, strict=True)
        ]
        # Each invoice row rewritten once (account_move is wide and heavily indexed).
        cr.execute(
            """
            UPDATE account_move m
               SET ai_dunning_level_id = t.level_id, ai_dunning_date = t.date,
                   ai_dunning_next_date = t.next_date
              FROM unnest(%s::int[], %s::int[], %s::timestamp[], %s::date[])
                   AS t(id, level_id, date, next_date)
             WHERE m.id = t.id
            """,
            (
                [r[0] for r in rows],
                [r[3] for r in rows],
                [r[4] for r in rows],
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
            (list({r[5] for r in rows}),),
        )
        self.env["account.move"].invalidate_model(
            ["ai_dunning_level_id", "ai_dunning_date", "ai_dunning_next_date"]
        )
        self.env["res.partner"].invalidate_model(["ai_dunning_next_date"])

    # ------------------------------------------------------------------
    # Mail failures
    # ------------------------------------------------------------------
    @api.model
    def _retry_failed_mails(self, commit=False):
        """Requeue failed reminder emails; after the company's retries, error + activity.

        The log line keeps pointing at the same ``mail.mail``: a retry never creates a
        second email, and a failed email is never dropped silently.
        """
        logs = (
            # sudo: the scheduled retry scans the failed reminders of every company
            self.env["ai.dunning.log"]
            .sudo()
            .search([("mail_id.state", "=", "exception"), ("outcome", "in", ("sent", "approved"))])
        )
        retried = failed = 0
        for mail, mail_logs in logs.grouped("mail_id").items():
            company = mail_logs[0].company_id
            if mail_logs[0].mail_retry_count < company.ai_dunning_mail_max_retries:
                mail.mark_outgoing()
                mail_logs.write({"mail_retry_count": mail_logs[0].mail_retry_count + 1})
                retried += 1
                continue
            reason = mail.failure_reason or mail.failure_type or self.env._("Unknown error")
            mail_logs.write(
                {
                    "outcome": "error",
                    "note": self.env._("Email failed: %(reason)s", reason=reason),
                }
            )
            partner = mail_logs[0].partner_id
            # sudo: the "fix contact" activity goes to the collector on the customer
            self.env["mail.activity"].sudo().create(
                self._activity_values(
                    mail_logs[0].level_id,
                    partner,
                    self.env._("Dunning email failed: fix contact"),
                    reason,
                )
            )
            failed += 1
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return {"retried": retried, "failed": failed}
