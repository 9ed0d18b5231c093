"""The dunning run against OCA ``account_credit_control`` 18.0 on the same database.

Both tools chase the same receivables with the same three-step policy
(a reminder email 7 days after the due date, a second email at 30 days, a final
step at 60 days), mails queued (not sent inline), PDFs switched off on both
sides (wkhtmltopdf is measured apart). The database is built once:

1. ``account`` template + this addon, ``--invoices`` open posted invoices over
   ``--invoices / --per-customer`` customers (the dunning benchmark's loader,
   due from 10 days ahead to 120 days ago);
2. every invoice header gets its receivable and income journal items, cloned
   with SQL from a real invoice: OCA works from receivable journal items, as
   every real ledger has them;
3. OCA ``account_credit_control`` (unpacked from its 18.0 wheel by
   ``scripts/setup --oca-addon account_credit_control``) installed, its policy
   configured on the company; the addon's ladder set to the same three steps.

Each tool then runs on its own fresh file copy of that database, in the same
process, one after the other:

* the addon: the scheduled action's run over the whole company, twice: as OCA
  works (one trace per customer: its email) and with the company's default note
  on each invoice reaching a level (one more ``mail.message`` per invoice);
* OCA: what a user clicks on a credit control run: "Compute credit lines",
  "Mark as ready", "Run channel action" (the final step's channel is a letter:
  OCA returns a print action for those, nothing is rendered; the addon's final
  step is an email, which costs it more, not less).

Usage (a PostgreSQL server from the environment, see ``odoo_bench``)::

    BENCH_DB_PORT=55432 /opt/odoo18/venv/bin/python benchmarks/bench_oca_credit_control.py \\
        --template ait_base_account --invoices 20000

The issue's target: the addon at least 10x faster than OCA on 20,000 due invoices.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from datetime import timedelta

from bench_odoo_dunning import NOW, load_data
from odoo_bench import ROOT, copy_database, drop_database, ensure_database, odoo_cli, odoo_env

OCA_MODULE = "account_credit_control"
# (days after the due date, OCA channel): the policy both tools run.
STEPS = ((7, "email"), (30, "email"), (60, "letter"))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="oca_bench")
    parser.add_argument("--template", default="ait_base_account", help="database with account")
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--per-customer", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the two run copies")
    return parser.parse_args(argv)


def add_journal_items(cr):
    """Give every generated invoice header its receivable and income journal items.

    The generated headers are clones of one real invoice without lines; its two
    lines are cloned for each of them with the header's partner, dates and amount
    (debit on the receivable line, due on the invoice's due date).
    """
    cr.execute(
        """SELECT l.move_id FROM account_move_line l JOIN account_move m ON m.id = l.move_id
            WHERE m.move_type = 'out_invoice' AND m.name NOT LIKE 'BENCH/%%'
            ORDER BY l.move_id DESC LIMIT 1"""
    )
    seed = cr.fetchone()[0]
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = 'account_move_line' AND column_name <> 'id'"""
    )
    columns = [row[0] for row in cr.fetchall()]
    receivable = "l.display_type = 'payment_term'"

    def either(if_receivable, otherwise):
        return f"CASE WHEN {receivable} THEN {if_receivable} ELSE {otherwise} END"

    overrides = {
        "move_id": "m.id",
        "move_name": "m.name",
        "partner_id": "m.partner_id",
        "date": "m.date",
        "invoice_date": "m.invoice_date",
        "date_maturity": either("m.invoice_date_due", "NULL"),
        "debit": either("m.amount_total", "0"),
        "credit": either("0", "m.amount_total"),
        "balance": either("m.amount_total", "-m.amount_total"),
        "amount_currency": either("m.amount_total", "-m.amount_total"),
        "amount_residual": either("m.amount_total", "0"),
        "amount_residual_currency": either("m.amount_total", "0"),
        "price_unit": either("l.price_unit", "m.amount_total"),
        "price_subtotal": either("l.price_subtotal", "m.amount_total"),
        "price_total": either("l.price_total", "m.amount_total"),
        "name": either("m.name", "l.name"),
        "reconciled": "false",
        "full_reconcile_id": "NULL",
        "matching_number": "NULL",
    }
    select = ", ".join(overrides.get(col, f"l.{col}") for col in columns)
    cr.execute(
        f"""INSERT INTO account_move_line ({", ".join(columns)})
            SELECT {select} FROM account_move m CROSS JOIN account_move_line l
             WHERE m.name LIKE 'BENCH/%%' AND l.move_id = %s""",
        [seed],
    )
    print(f"journal items added: {cr.rowcount}")
    cr.execute("ANALYZE account_move_line")


def configure_oca(env, company):
    """OCA's three-level policy on the company, its summary PDF dropped from the mail."""
    template = env.ref("account_credit_control.email_template_credit_control_base")
    template.report_template_ids = [(5,)]
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.id)]
    )
    levels = [
        (
            0,
            0,
            {
                "name": f"Step {rank}",
                "level": rank,
                "computation_mode": "net_days",
                "delay_days": days,
                "channel": channel,
                "email_template_id": template.id,
                "custom_text": f"Step {rank}: please pay the invoices below.",
                "custom_mail_text": f"<p>Step {rank}: please pay the invoices below.</p>",
                "mail_show_invoice_detail": True,
            },
        )
        for rank, (days, channel) in enumerate(STEPS, start=1)
    ]
    company.credit_policy_id = env["credit.control.policy"].create(
        {
            "name": "Three steps (+7 email, +30 email, +60 letter)",
            "company_id": company.id,
            "account_ids": [(6, 0, receivable.ids)],
            "level_ids": levels,
        }
    )
    company.email = company.email or "ar@bench.example.com"


def configure_addon(env, company):
    """The addon's ladder reduced to the same three steps, all emails, no PDFs."""
    levels = env["ai.dunning.level"].search(
        [("company_id", "=", company.id)], order="sequence, days, id"
    )
    emails = levels.filtered("send_email")[: len(STEPS)]
    (levels - emails).unlink()
    for level, (days, _channel) in zip(emails, STEPS, strict=True):
        level.write(
            {"days": days, "print_letter": False, "attach_statement": False, "manual_review": False}
        )
    company.write({"ai_dunning_review_amount": 0.0})


def build(args):
    """The shared database: invoices, journal items, OCA installed, both configured."""
    subprocess.run(["bash", str(ROOT / "scripts" / "setup"), "--oca-addon", OCA_MODULE], check=True)
    ensure_database(args.db, args.template, args.rebuild, http_port=18114)
    odoo, registry = odoo_env(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"ai_risk_no_rescore": True})
        cr.execute("SELECT count(*) FROM account_move WHERE name LIKE 'BENCH/%%'")
        if cr.fetchone()[0]:
            return odoo
        load_data(env, args)
        add_journal_items(cr)
        cr.commit()
    odoo_cli(args.db, "-i", OCA_MODULE, http_port=18114)
    registry = odoo.modules.registry.Registry.new(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"ai_risk_no_rescore": True})
        company = env.ref("base.main_company")
        configure_oca(env, company)
        configure_addon(env, company)
    return odoo


def timed_on_copy(odoo, args, name, run):
    """``run(env, company)`` on a fresh copy ``<db>_<name>``: seconds and its counts."""
    copy = f"{args.db}_{name}"
    copy_database(args.db, copy)
    try:
        registry = odoo.modules.registry.Registry(copy)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"ai_risk_no_rescore": True})
            company = env.ref("base.main_company")
            start = time.perf_counter()
            run(env, company)
            env.flush_all()
            cr.commit()
            seconds = time.perf_counter() - start
            cr.execute("SELECT count(*) FROM mail_mail WHERE state = 'outgoing'")
            return seconds, cr.fetchone()[0]
    finally:
        if not args.keep:
            drop_database(copy)


def run_addon(env, company):
    company.ai_dunning_invoice_notes = False
    env["ai.dunning.run"].run(company, now=NOW, commit=True)


def run_addon_with_invoice_notes(env, company):
    company.ai_dunning_invoice_notes = True
    env["ai.dunning.run"].run(company, now=NOW, commit=True)


def run_oca(env, company):
    credit_run = env["credit.control.run"].create({"date": NOW.date(), "company_id": company.id})
    credit_run.generate_credit_lines()
    env.cr.commit()
    credit_run.set_to_ready_lines()
    env.cr.commit()
    credit_run.with_context(mail_notify_force_send=False).run_channel_action()


def main(argv=None):
    args = parse_args(argv)
    odoo = build(args)
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        cr.execute(
            """SELECT count(*), count(DISTINCT partner_id) FROM account_move
                WHERE name LIKE 'BENCH/%%' AND invoice_date_due <= %s""",
            [NOW.date() - timedelta(days=STEPS[0][0])],
        )
        due, customers = cr.fetchone()
    addon_s, addon_mails = timed_on_copy(odoo, args, "addon", run_addon)
    notes_s, notes_mails = timed_on_copy(odoo, args, "notes", run_addon_with_invoice_notes)
    oca_s, oca_mails = timed_on_copy(odoo, args, "oca", run_oca)
    print(f"due invoices (7+ days overdue): {due} over {customers} customers")
    print(f"addon dunning run, one trace per customer: {addon_s:.1f}s, {addon_mails} mails")
    print(f"addon dunning run, and a note per invoice: {notes_s:.1f}s, {notes_mails} mails")
    print(f"OCA credit control (compute, ready, channel action): {oca_s:.1f}s, {oca_mails} mails")
    for label, seconds in (("one trace per customer", addon_s), ("note per invoice", notes_s)):
        print(
            f"addon ({label}) vs OCA: x{oca_s / seconds:.1f} faster   target >= 10x: "
            f"{'OK' if oca_s / seconds >= 10 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
