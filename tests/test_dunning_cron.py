"""The dunning run across transactions: concurrent runs, the cron's batches and
hand-over (``_notify_progress``), and the optional queue_job path."""

from datetime import timedelta

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from ..models.ai_dunning_run import CURSOR_PARAM, LOCK_NAMESPACE
from .common import post_invoice_due
from .test_dunning import NOW, TODAY, DunningCase


@tagged("post_install", "-at_install")
class TestDunningConcurrentRuns(TransactionCase):
    """Two real transactions run the ladder on the same committed invoice.

    The data is committed through a separate cursor (the test transaction is
    invisible to other connections) and deleted again in ``finally``.
    """

    CTX = {"ai_risk_no_rescore": True, "tracking_disable": True}

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, self.CTX)

    def _setup_committed_data(self, customers=1):
        """Commit ``customers`` customers with one invoice 8 days overdue each.

        :return: ``(company id, customer ids, invoice ids)``
        """
        with self.registry.cursor() as cr:
            env = self._env(cr)
            company = env.ref("base.main_company")
            # Shipped defaults: dunning on, review above 50,000, no minimum amount.
            self.assertTrue(company.ai_dunning_enabled)
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"Concurrent Runs Customer {index}",
                        "is_company": True,
                        "email": f"concurrent.runs{index}@example.com",
                        "tz": "UTC",
                    }
                    for index in range(customers)
                ]
            )
            due = TODAY - timedelta(days=8)
            moves = env["account.move"]
            for partner in partners:
                moves |= post_invoice_due(partner.with_company(company).env, partner, 800.0, due)
            self.assertEqual(set(moves.mapped("invoice_date_due")), {due})
            return company.id, partners.ids, moves.ids

    def _cleanup(self, partner_ids, move_ids):
        with self.registry.cursor() as cr:
            params = {"partners": partner_ids, "moves": move_ids}
            cr.execute("DELETE FROM ai_dunning_log WHERE move_id = ANY(%(moves)s)", params)
            documents = """(model = 'res.partner' AND res_id = ANY(%(partners)s))
                           OR (model = 'account.move' AND res_id = ANY(%(moves)s))"""
            cr.execute(
                f"""DELETE FROM mail_mail WHERE mail_message_id IN (
                        SELECT id FROM mail_message WHERE {documents})""",
                params,
            )
            cr.execute(f"DELETE FROM mail_message WHERE {documents}", params)
            cr.execute(
                "DELETE FROM mail_activity WHERE res_model = 'res.partner' "
                "AND res_id = ANY(%(partners)s)",
                params,
            )
            cr.execute(
                f"DELETE FROM mail_followers WHERE {documents.replace('model', 'res_model')}",
                params,
            )
            cr.execute("DELETE FROM account_move WHERE id = ANY(%(moves)s)", params)
            cr.execute("DELETE FROM res_partner WHERE id = ANY(%(partners)s)", params)

    def _counts(self, cr, partner_ids, move_ids):
        """(log lines of the invoices, reminder emails of the customers), as committed."""
        cr.execute("SELECT count(*) FROM ai_dunning_log WHERE move_id = ANY(%s)", [move_ids])
        n_logs = cr.fetchone()[0]
        cr.execute(
            """SELECT count(*) FROM mail_mail mm
                 JOIN mail_message msg ON msg.id = mm.mail_message_id
                WHERE msg.model = 'res.partner' AND msg.res_id = ANY(%s)
                  AND msg.message_type <> 'user_notification'""",
            [partner_ids],
        )
        return n_logs, cr.fetchone()[0]

    def _open_hours(self, env, company):
        """Business hours all day, every day (the cron runs on the real clock)."""
        saved = company.read(
            ["ai_dunning_hour_start", "ai_dunning_hour_end", "ai_dunning_weekdays_only"]
        )[0]
        company.write(
            {
                "ai_dunning_hour_start": 0.0,
                "ai_dunning_hour_end": 24.0,
                "ai_dunning_weekdays_only": False,
            }
        )
        return {key: saved[key] for key in saved if key != "id"}

    def test_two_concurrent_runs_act_once(self):
        company_id, partner_ids, move_ids = self._setup_committed_data()
        cr_a = self.registry.cursor()
        cr_b = self.registry.cursor()
        try:
            env_a, env_b = self._env(cr_a), self._env(cr_b)

            def run(env):
                return env["ai.dunning.run"].run(
                    env["res.company"].browse(company_id),
                    partners=env["res.partner"].browse(partner_ids),
                    now=NOW,
                )

            stats_a = run(env_a)  # transaction A acts and keeps its claims (not committed)
            self.assertEqual(stats_a.get("send"), 1, stats_a)
            stats_b = run(env_b)  # transaction B, meanwhile: the customer is A's
            self.assertEqual(stats_b.get("locked"), 1, stats_b)
            self.assertFalse(stats_b.get("send"), stats_b)
            self.assertEqual(self._counts(cr_b, partner_ids, move_ids), (0, 0))
            cr_a.commit()
            cr_b.rollback()
            env_b.invalidate_all()
            # B restarts after A committed (the cron retried): nothing to do twice.
            stats_b = run(env_b)
            self.assertFalse(stats_b.get("locked"), stats_b)
            self.assertFalse(stats_b.get("send"), stats_b)
            self.assertEqual(stats_b.get("reason:already_contacted_today"), 1, stats_b)
            cr_b.commit()
            self.assertEqual(self._counts(cr_b, partner_ids, move_ids), (1, 1))
        finally:
            for cursor in (cr_a, cr_b):
                cursor.rollback()
                cursor.close()
            self._cleanup(partner_ids, move_ids)

    def test_cron_batches_hand_over_and_resume(self):
        """Out of time after each batch: the cron reports what remains, is called again
        and resumes after the last committed customer; a new pass the same day adds
        nothing."""
        company_id, partner_ids, move_ids = self._setup_committed_data(customers=3)
        cr = self.registry.cursor()
        saved = None
        try:
            env = self._env(cr)
            company = env["res.company"].browse(company_id)
            saved = self._open_hours(env, company)
            cron = env.ref("ar_ai_collections.ir_cron_ai_dunning_run")
            Run = env["ai.dunning.run"]
            Param = env["ir.config_parameter"]
            # the test's own cursor: the cron commits per batch, its data must be committed
            cr.commit()  # pylint: disable=invalid-commit
            progress_rows = []
            for _call in range(4):
                progress = env["ir.cron.progress"].create({"cron_id": cron.id})
                # Out of time after each batch, except in the last call: a new pass
                # (the previous one is over) that finds everyone done today.
                Run.with_context(ir_cron_progress_id=progress.id)._cron_run(
                    batch_size=1, time_budget=0 if _call < 3 else 240, queue=False
                )
                progress_rows.append((progress.done, progress.remaining))
                if _call < 2:
                    self.assertEqual(
                        Param.get_param(CURSOR_PARAM % company_id), str(sorted(partner_ids)[_call])
                    )
            self.assertEqual(progress_rows, [(1, 2), (1, 1), (1, 0), (3, 0)], progress_rows)
            self.assertFalse(Param.get_param(CURSOR_PARAM % company_id), "the pass is over")
            self.assertEqual(self._counts(cr, partner_ids, move_ids), (3, 3), "one each")
        finally:
            cr.rollback()
            if saved:
                env["res.company"].browse(company_id).write(saved)
                env["ir.cron.progress"].search([]).unlink()
                cr.commit()  # pylint: disable=invalid-commit
            cr.close()
            self._cleanup(partner_ids, move_ids)


@tagged("post_install", "-at_install")
class TestDunningQueueJob(DunningCase):
    """With OCA queue_job installed, the scheduled action enqueues one job per batch."""

    def setUp(self):
        super().setUp()
        if not self.env["ai.dunning.run"]._queue_job_ready():
            self.skipTest("queue_job is not installed in this database")
        self.company.write(
            {
                "ai_dunning_hour_start": 0.0,
                "ai_dunning_hour_end": 24.0,
                "ai_dunning_weekdays_only": False,
            }
        )

    def _jobs(self):
        # sudo: job records are the Job Queue managers'
        return (
            self.env["queue.job"]
            .sudo()
            .search([("model_name", "=", "ai.dunning.run"), ("state", "=", "pending")])
        )

    def test_one_job_per_batch_on_its_channel(self):
        from odoo.addons.queue_job.job import Job

        partners = self._customer("Queued A") | self._customer("Queued B")
        for partner in partners:
            self._invoice(partner, 10)
        # sudo: the scheduled action runs as superuser, over every company
        Run = self.env["ai.dunning.run"].sudo()
        Run._cron_run(batch_size=1)
        jobs = self._jobs().filtered(lambda job: set(job.args[1]) & set(partners.ids))
        self.assertEqual(len(jobs), 2, "one job per batch of one customer")
        self.assertEqual(set(jobs.mapped("channel")), {"root.ai_dunning"})
        self.assertTrue(all(f":{self.company.id}:" in key for key in jobs.mapped("identity_key")))
        self.assertFalse(any(self._mails(p) for p in partners), "nothing done before the jobs run")
        Run._cron_run(batch_size=1)
        self.assertEqual(
            self._jobs().filtered(lambda job: set(job.args[1]) & set(partners.ids)),
            jobs,
            "a batch is never queued twice (identity key)",
        )
        for job in jobs:
            Job.load(self.env, job.uuid).perform()
        for partner in partners:
            self.assertEqual(len(self._mails(partner)), 1)
        function = (
            self.env["queue.job.function"]
            .sudo()
            .search([("name", "=", "<ai.dunning.run>._job_run_batch")])
        )
        self.assertEqual(function.channel_id.complete_name, "root.ai_dunning")
        self.assertTrue(function.retry_pattern)
        # A job replayed (retried after a lock or mail error) acts on nothing twice.
        stats = Run._job_run_batch(self.company.id, partners.ids)
        self.assertFalse(stats.get("send"), stats)

    def test_claimed_customers_make_the_job_retry(self):
        from odoo.addons.queue_job.exception import RetryableJobError

        partner = self._customer("Claimed Elsewhere")
        self._invoice(partner, 10)
        Run = self.env["ai.dunning.run"]
        with self.registry.cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_NAMESPACE, partner.id))
            try:
                with self.assertRaises(RetryableJobError):
                    Run._job_run_batch(self.company.id, partner.ids)
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, partner.id))
        self.assertFalse(self._mails(partner))
