"""Dunning run on OCA ``queue_job`` (optional): one job per batch of customers.

When the ``queue_job`` module is installed in the database, the scheduled action
enqueues the batches on the ``root.ai_dunning`` channel instead of working them
itself, so that every job worker of every Odoo server shares the run. A batch is
never queued twice for the same day (identity key); a job that meets a mail or a
lock error is retried later (``RetryableJobError``, backoff by the job function's
retry pattern). queue_job is not a dependency: nothing here runs without it.
"""

import logging

import psycopg2

from odoo import api, fields, models
from odoo.addons.base.models.ir_mail_server import MailDeliveryException
from odoo.tools import split_every

_logger = logging.getLogger(__name__)

CHANNEL = "ai_dunning"
JOB_METHOD = "_job_run_batch"
# Seconds to wait before retry N (queue_job retry pattern: {from retry: seconds}).
RETRY_PATTERN = {1: 60, 3: 300, 5: 1800}
MAX_RETRIES = 8


class AiDunningRun(models.AbstractModel):
    _inherit = "ai.dunning.run"

    @api.model
    def _queue_job_ready(self):
        """True when the database has queue_job installed (not merely on the path)."""
        if "queue.job" not in self.env:
            return False
        # sudo: module states are read to choose how the run is driven
        module = self.env["ir.module.module"].sudo().search([("name", "=", "queue_job")])
        return module.state == "installed"

    @api.model
    def _queue_channel(self):
        """The run's channel and job function (retry pattern), created on first use."""
        # sudo: queue_job's configuration records belong to the administrator
        Channel = self.env["queue.job.channel"].sudo()
        channel = Channel.search([("complete_name", "=", f"root.{CHANNEL}")], limit=1)
        if not channel:
            channel = Channel.create(
                {"name": CHANNEL, "parent_id": self.env.ref("queue_job.channel_root").id}
            )
        # sudo: as above, the job function carries the retry pattern
        Function = self.env["queue.job.function"].sudo()
        name = f"<{self._name}>.{JOB_METHOD}"
        if not Function.search_count([("name", "=", name)]):
            Function.create(
                {
                    "model_id": self.env["ir.model"]._get_id(self._name),
                    "method": JOB_METHOD,
                    "channel_id": channel.id,
                    "retry_pattern": RETRY_PATTERN,
                }
            )
        return channel.complete_name

    def _enqueue_company(self, company, batch_size):
        """Enqueue today's batches of ``company``; return the customers enqueued."""
        levels, _frame = self._levels_frame(company)
        if not levels:
            return 0
        now = fields.Datetime.now()
        channel = self._queue_channel()
        partner_ids = self._candidates(company, levels, now.date())
        for batch in split_every(batch_size, partner_ids, list):
            key = f"ai_dunning:{company.id}:{now.date()}:{batch[0]}-{batch[-1]}"
            self.with_delay(
                channel=channel,
                identity_key=key,
                max_retries=MAX_RETRIES,
                description=self.env._("Dunning of %(n)s customers", n=len(batch)),
            )._job_run_batch(company.id, batch)
        return len(partner_ids)

    def _job_run_batch(self, company_id, partner_ids):
        """Job: dun the batch ``partner_ids`` of the company now (queue_job)."""
        from odoo.addons.queue_job.exception import RetryableJobError

        company = self.env["res.company"].browse(company_id)
        partners = self.env["res.partner"].browse(partner_ids)
        try:
            stats = self.with_company(company).run(company, partners=partners)
        except (
            MailDeliveryException,
            psycopg2.errors.LockNotAvailable,
            psycopg2.errors.SerializationFailure,
        ) as error:
            raise RetryableJobError(str(error), seconds=30) from error
        if stats.get("locked"):
            # Another transaction is dunning some of them: once it commits, this
            # job's rerun finds them done and does the others.
            raise RetryableJobError("customers claimed by another transaction", seconds=30)
        return stats
