"""Benchmark of the dunning run at scale (mails queued, not sent inline).

Builds (once) a database with ``--invoices`` open, posted customer invoices spread
over ``--invoices / --per-customer`` customers, due between 10 days ahead and 120
days ago. Invoices are bulk-inserted with SQL (cloned from one real invoice: the
run reads the move header only); customers are created with one batched ORM
``create``. Then, in one process and on the same data, it measures:

1. ``ai.dunning.run.run`` over the whole company, as the scheduled action runs it
   without queue_job (one transaction per batch of customers): SQL selection per
   batch, one ``dunning_policy.plan_run`` per batch, claims in the log, one
   reminder per customer queued by ``mail.template.send_mail_batch`` (a note by
   ``_message_log_batch`` where no email goes), activities in batch (PDF letters/statements are
   switched off: they are rendered by wkhtmltopdf and measured apart);
2. a naive per-invoice ORM implementation (browse, read the flags, search the
   log, decide in Python, ``search_count`` the 7-day contacts, create the log,
   ``send_mail`` and ``message_post`` per invoice), timed on ``--sample``
   invoices and extrapolated.

Both run on a fresh file copy of the loaded database (``<db>_run``, dropped at the
end unless ``--keep``): the naive sample is rolled back, the set-based run commits
after every batch as the scheduled action does.

Usage::

    /opt/odoo18/venv/bin/python benchmarks/bench_odoo_dunning.py --db dun_bench \\
        --template tmpl_nodemo --invoices 100000

The issue's target: 100,000 due invoices / 5,000 customers in <= 150 s on one
server. Against another cluster than the default: ``BENCH_DB_PORT=<port>``.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta

import numpy as np
from odoo_bench import (
    copy_database,
    drop_database,
    ensure_database,
    odoo_env,
    open_invoice_overrides,
)

NOW = datetime(2026, 11, 23, 10, 0)  # a Monday, 10:00 UTC


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="dun_bench")
    parser.add_argument("--template", default="tmpl_nodemo", help="database with account installed")
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--per-customer", type=int, default=20)
    parser.add_argument("--sample", type=int, default=200, help="naive ORM sample size")
    parser.add_argument("--batch-size", type=int, default=500, help="customers per batch")
    parser.add_argument(
        "--no-invoice-notes",
        action="store_true",
        help="one chatter trace per customer only (the default also notes each invoice)",
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the <db>_run copy")
    return parser.parse_args(argv)


def load_data(env, args):
    """Bulk-generate customers and open invoices; return the company."""
    company = env.ref("base.main_company")
    n_customers = max(1, args.invoices // args.per_customer)
    t0 = time.perf_counter()
    term = env.ref("account.account_payment_term_immediate")
    partners = (
        env["res.partner"]
        .with_context(tracking_disable=True)
        .create(
            [
                {
                    "name": f"Bench Customer {i:06d}",
                    "email": f"bench{i:06d}@example.com",
                    "is_company": True,
                    "tz": "UTC",
                    "property_payment_term_id": term.id,
                }
                for i in range(n_customers)
            ]
        )
    )
    # One real invoice, cloned with SQL.
    seed = (
        env["account.move"]
        .with_context(ai_risk_no_rescore=True)
        .create(
            {
                "move_type": "out_invoice",
                "partner_id": partners[0].id,
                "invoice_date": NOW.date(),
                "invoice_line_ids": [
                    (0, 0, {"name": "Service", "price_unit": 1000.0, "tax_ids": []})
                ],
            }
        )
    )
    seed.action_post()
    env.flush_all()
    cr = env.cr
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = 'account_move' AND column_name <> 'id'"""
    )
    columns = [row[0] for row in cr.fetchall()]
    rng = np.random.default_rng(7)
    days = rng.integers(-10, 121, args.invoices)
    amounts = np.round(rng.uniform(100, 3000, args.invoices), 2)
    bands = rng.choice(
        np.array(["low", "medium", "high", "critical"]), args.invoices, p=[0.5, 0.25, 0.15, 0.1]
    )
    partner_ids = np.repeat(np.array(partners.ids), args.per_customer)[: args.invoices]
    overrides = {**open_invoice_overrides("BENCH/"), "ai_risk_band": "t.band"}
    select = ", ".join(overrides.get(col, f"m.{col}") for col in columns)
    due_dates = [NOW.date() - timedelta(days=int(d)) for d in days]
    cr.execute(
        f"""INSERT INTO account_move ({", ".join(columns)})
            SELECT {select}
              FROM account_move m,
                   unnest(%s::int[], %s::int[], %s::date[], %s::numeric[], %s::varchar[])
                   AS t(i, partner_id, due, amount, band)
             WHERE m.id = %s""",
        (
            list(range(1, args.invoices + 1)),
            partner_ids.tolist(),
            due_dates,
            amounts.tolist(),
            bands.tolist(),
            seed.id,
        ),
    )
    # The seed itself leaves the open set (it is not a bench invoice).
    cr.execute("UPDATE account_move SET payment_state = 'paid' WHERE id = %s", [seed.id])
    cr.execute("ANALYZE account_move")
    env.invalidate_all()
    print(
        f"loaded {args.invoices} invoices / {n_customers} customers "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    return company


def configure_levels(env, company):
    """Default ladder without PDF rendering (letters/statements measured apart)."""
    levels = env["ai.dunning.level"].search([("company_id", "=", company.id)])
    levels.write({"print_letter": False, "attach_statement": False})
    company.write({"ai_dunning_review_amount": 0.0, "ai_dunning_max_contacts_7d": 2})
    return levels


def naive_run(env, company, sample_ids):
    """Per-invoice ORM implementation of the same decisions and actions."""
    levels = env["ai.dunning.level"].search(
        [("company_id", "=", company.id)], order="sequence, days, id"
    )
    Log = env["ai.dunning.log"].sudo()
    today = NOW.date()
    for move in env["account.move"].browse(sample_ids):
        partner = move.commercial_partner_id
        if (
            move.payment_state not in ("not_paid", "partial")
            or move.ai_in_dispute
            or move.ai_has_open_promise
            or move.ai_dunning_blocked
            or partner.ai_dunning_do_not_contact
            or partner.ai_dunning_excluded
        ):
            continue
        done = Log.search([("move_id", "=", move.id), ("outcome", "!=", "skipped")])
        last_seq = max(done.level_id.mapped("sequence"), default=-1)
        overdue = (today - move.invoice_date_due).days
        band = move.ai_risk_band or "medium"
        due_levels = [
            lvl
            for lvl in levels
            if lvl.sequence > last_seq and overdue >= lvl.days and lvl[f"band_{band}"]
        ]
        if not due_levels:
            continue
        level = due_levels[-1]
        contacts = Log.search_count(
            [
                ("partner_id", "=", partner.id),
                ("outcome", "in", ("sent", "approved")),
                ("date", ">", NOW - timedelta(days=7)),
            ]
        )
        if contacts >= company.ai_dunning_max_contacts_7d:
            continue
        mail_id = False
        if level.send_email and level.mail_template_id:
            mail_id = level.mail_template_id.send_mail(partner.id, force_send=False)
        Log.create(
            {
                "company_id": company.id,
                "partner_id": partner.id,
                "move_id": move.id,
                "level_id": level.id,
                "outcome": "sent",
                "mail_id": mail_id,
                "date": NOW,
            }
        )
        move.message_post(body=f"Dunning level {level.name} executed.")
        move.ai_dunning_level_id = level


def main(argv=None):
    args = parse_args(argv)
    ensure_database(args.db, args.template, args.rebuild, http_port=18113)
    odoo, registry = odoo_env(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"ai_risk_no_rescore": True})
        cr.execute("SELECT count(*) FROM account_move WHERE name LIKE 'BENCH/%%'")
        if cr.fetchone()[0] == 0:
            load_data(env, args)
        configure_levels(env, env.ref("base.main_company"))
        cr.commit()
    # Every measurement runs on a fresh copy: the loaded database stays as built, and a
    # run's rows (or a rolled-back run's dead tuples) never slow the next one down.
    run_db = f"{args.db}_run"
    copy_database(args.db, run_db)
    registry = odoo.modules.registry.Registry(run_db)
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"ai_risk_no_rescore": True})
            company = env.ref("base.main_company")
            cr.execute(
                """SELECT count(*) FROM account_move WHERE name LIKE 'BENCH/%%'
                    AND payment_state = 'not_paid' AND invoice_date_due <= %s""",
                [NOW.date() + timedelta(days=5)],
            )
            n_candidates = cr.fetchone()[0]

            # 2. Naive ORM loop on a sample (rolled back).
            cr.execute(
                """SELECT id FROM account_move WHERE name LIKE 'BENCH/%%'
                    AND invoice_date_due <= %s ORDER BY random() LIMIT %s""",
                [NOW.date() - timedelta(days=8), args.sample],
            )
            sample_ids = [row[0] for row in cr.fetchall()]
            t0 = time.perf_counter()
            naive_run(env, company, sample_ids)
            env.flush_all()
            naive_s = time.perf_counter() - t0
            cr.rollback()
            env.invalidate_all()
            naive_per_invoice = naive_s / max(len(sample_ids), 1)

            # 1. Set-based run over the whole company, as the scheduled action runs it
            # (commit after every batch of customers).
            company.ai_dunning_invoice_notes = not args.no_invoice_notes
            t0 = time.perf_counter()
            stats = env["ai.dunning.run"].run(
                company, now=NOW, commit=True, batch_size=args.batch_size
            )
            run_s = time.perf_counter() - t0
            cr.execute("SELECT count(*) FROM mail_mail WHERE state = 'outgoing'")
            queued = cr.fetchone()[0]
    finally:
        if not args.keep:
            drop_database(run_db)

    naive_total = naive_per_invoice * n_candidates
    print(f"candidates (due or due within 5 days): {n_candidates}")
    batches = max(stats.get("batches", 0), 1)
    print(f"dunning run: {run_s:.1f}s  ({run_s / batches:.2f}s per batch of {args.batch_size})")
    print(f"stats={stats}  queued mails={queued}")
    print(
        f"naive ORM: {naive_per_invoice * 1000:.1f} ms/invoice on {len(sample_ids)} "
        f"-> {naive_total:.0f}s extrapolated to {n_candidates}"
    )
    print(
        f"speed-up: x{naive_total / run_s:.1f}   target <= 150 s: "
        f"{'OK' if run_s <= 150 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
