"""What a scheduled action does with a record it cannot process.

One bad record (a date typed as 9999-12-31, a row written by hand in SQL) must not
stop a daily job for everyone: the job skips it, logs why and gives a Collections
manager of the record's company a to-do activity on it, then goes on with the others.
"""

import logging

from odoo import SUPERUSER_ID, fields
from odoo.exceptions import AccessError

_logger = logging.getLogger(__name__)


def collections_manager(env, company):
    """The first internal Collections manager of ``company`` (empty if none)."""
    # sudo: group membership is read to route work, whoever triggers it.
    return (
        env.ref("ar_ai_collections.group_collections_manager")
        .sudo()
        .users.filtered(
            lambda u: company in u.company_ids and not u.share and u.id != SUPERUSER_ID
        )[:1]
    )


def report_skipped(records, job, error, company=None):
    """Log that ``job`` skipped ``records`` because of ``error`` and give a Collections
    manager an activity on each (once: an open one with the same summary is kept).

    :param records: records with activities (mail.activity.mixin)
    :param job: name of the scheduled action, for the log and the activity
    :param error: the exception, or a message
    :param company: company whose manager is notified (default: each record's)
    """
    env = records.env
    _logger.error("%s skipped %s: %s", job, records, error)
    if records._name == "res.company":
        # Companies have no activities: their partner gets them.
        records, company = records.partner_id, company or records[:1]
    summary = env._("%(job)s skipped this record", job=job)
    # sudo: crons and the rescoring at commit run as whoever triggered them; the
    # activity goes to a manager, on records that user may not read.
    records = records.sudo()
    # sudo: the open activities of any user are looked up, not to schedule twice.
    activities = (
        env["mail.activity"]
        .sudo()
        .search(
            [
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
                ("summary", "=", summary),
            ]
        )
    )
    existing = set(activities.mapped("res_id"))
    for record in records:
        if record.id in existing:
            continue
        target = company or ("company_id" in record._fields and record.company_id)
        user = collections_manager(env, target or env.company)
        if not user:
            continue
        record.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(record),
            summary=summary,
            note=env._("The scheduled action could not process it: %(error)s", error=error),
            user_id=user.id,
        )


def run_isolated(records, job, method):
    """Run ``method(records)``; if that fails, run it record by record and skip (with
    :func:`report_skipped`) the records it fails on. An AccessError is raised, not
    skipped: "Run now" by a user without the rights must say so.

    The common case costs one savepoint; a failure costs one savepoint per record.

    :return: the skipped records
    """
    env = records.env
    try:
        with env.cr.savepoint():
            method(records)
        return records.browse()
    except AccessError:
        raise  # the user's rights, not a bad record: never skipped quietly
    except Exception:
        _logger.warning("%s failed on %d records: retrying them one by one", job, len(records))
    skipped = records.browse()
    for record in records:
        try:
            with env.cr.savepoint():
                method(record)
        except AccessError:
            raise
        except Exception as error:  # whatever else it is, the other records go on
            report_skipped(record, job, error)
            skipped |= record
    return skipped
