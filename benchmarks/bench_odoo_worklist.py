"""Benchmark of the collector worklist at scale: refresh and opening the list.

Builds (once) a database with ``--customers`` customers (cloned with SQL from one
real partner, spread over ``--collectors`` collectors) and ``--per-customer`` open
posted invoices each (cloned with SQL from one real invoice), due between 10 days
ahead and 120 days ago, with scores. Then, in one process and on the same data:

1. ``ai.collection.worklist._refresh``: SQL extraction, the pure policy
   (``ar_ai_collections.worklist_policy``) and one bulk upsert;
2. the partner-scoped refresh run after a call, a promise or a dispute;
3. opening the list as a collector: ``web_search_read`` of the default action's
   list view (its fields, first page of 80 sorted by priority, record rules
   applied) plus the count; and the kanban's ``web_read_group`` by tier;
4. a naive ORM computation (per customer: search its invoices, read scores,
   promises and disputes in Python) on ``--sample`` customers, extrapolated.

Usage::

    /opt/odoo18/venv/bin/python benchmarks/bench_odoo_worklist.py --db work_bench \\
        --template tmpl_nodemo --customers 20000

The issue's target: the worklist opens in <= 500 ms for 20,000 customers.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta

import numpy as np
from odoo_bench import ensure_database, odoo_env, open_invoice_overrides

TODAY = date.today()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="work_bench")
    parser.add_argument("--template", default="tmpl_nodemo", help="database with account")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--per-customer", type=int, default=3)
    parser.add_argument("--collectors", type=int, default=10)
    parser.add_argument("--sample", type=int, default=200, help="naive ORM sample size")
    parser.add_argument("--repeat", type=int, default=5, help="timed openings (median)")
    parser.add_argument("--rebuild", action="store_true")
    return parser.parse_args(argv)


def _clone(cr, table, seed_id, overrides, unnest_sql, params):
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = %s AND column_name <> 'id'""",
        [table],
    )
    columns = [row[0] for row in cr.fetchall()]
    select = ", ".join(overrides.get(col, f"s.{col}") for col in columns)
    cr.execute(
        f"""INSERT INTO {table} ({", ".join(columns)})
            SELECT {select} FROM {table} s, {unnest_sql} WHERE s.id = %s""",
        [*params, seed_id],
    )


def load_data(env, args):
    """Collectors (ORM), customers and invoices (SQL clones)."""
    t0 = time.perf_counter()
    group = env.ref("ar_ai_collections.group_collections_user")
    collectors = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"Bench Collector {i}",
                    "login": f"bench_collector_{i}",
                    "groups_id": [(6, 0, group.ids)],
                    "ai_weekly_call_capacity": 40,
                }
                for i in range(args.collectors)
            ]
        )
    )
    seed_partner = env["res.partner"].create({"name": "Bench seed", "is_company": True})
    seed_move = (
        env["account.move"]
        .with_context(ai_risk_no_rescore=True)
        .create(
            {
                "move_type": "out_invoice",
                "partner_id": seed_partner.id,
                "invoice_date": TODAY,
                "invoice_line_ids": [
                    (0, 0, {"name": "Service", "price_unit": 1000.0, "tax_ids": []})
                ],
            }
        )
    )
    seed_move.action_post()
    env.flush_all()
    cr = env.cr
    n = args.customers
    rng = np.random.default_rng(7)
    band_names = np.array(["low", "medium", "high", "critical"])
    _clone(
        cr,
        "res_partner",
        seed_partner.id,
        {
            "name": "'Bench Customer ' || lpad(t.i::text, 6, '0')",
            "complete_name": "'Bench Customer ' || lpad(t.i::text, 6, '0')",
            "email": "'bench' || t.i || '@example.com'",
            "ai_collector_id": "t.collector",
            "ai_risk_band": "t.band",
            "commercial_partner_id": "NULL",
        },
        "unnest(%s::int[], %s::int[], %s::varchar[]) AS t(i, collector, band)",
        [
            list(range(n)),
            rng.choice(np.array(collectors.ids), n).tolist(),
            rng.choice(band_names, n, p=[0.5, 0.25, 0.15, 0.1]).tolist(),
        ],
    )
    cr.execute(
        """UPDATE res_partner SET commercial_partner_id = id
            WHERE name LIKE 'Bench Customer %%' RETURNING id"""
    )
    partner_ids = np.array(sorted(row[0] for row in cr.fetchall()))
    m = n * args.per_customer
    days = rng.integers(-10, 121, m)
    amounts = np.round(rng.lognormal(7.0, 1.0, m), 2)
    p_default = np.round(rng.beta(1.5, 4.0, m) * 100, 1)
    bands = band_names[np.digitize(p_default, [35.0, 60.0, 80.0])]
    _clone(
        cr,
        "account_move",
        seed_move.id,
        {
            **open_invoice_overrides("WLBENCH/"),
            "ai_default_probability": "t.p",
            "ai_risk_score": "LEAST(t.p + 20, 100)",
            "ai_risk_band": "t.band",
        },
        "unnest(%s::int[], %s::int[], %s::date[], %s::numeric[], %s::float8[], %s::varchar[])"
        " AS t(i, partner_id, due, amount, p, band)",
        [
            list(range(1, m + 1)),
            np.repeat(partner_ids, args.per_customer).tolist(),
            [TODAY - timedelta(days=int(d)) for d in days],
            amounts.tolist(),
            p_default.tolist(),
            bands.tolist(),
        ],
    )
    cr.execute("UPDATE account_move SET payment_state = 'paid' WHERE id = %s", [seed_move.id])
    cr.execute("ANALYZE account_move")
    cr.execute("ANALYZE res_partner")
    env.invalidate_all()
    print(f"loaded {n} customers / {m} invoices in {time.perf_counter() - t0:.1f}s")


def naive_lines(env, company, partners):
    """Per-customer ORM computation of the same figures (no tiers: ranking needs all)."""
    Move = env["account.move"]
    Promise = env["ai.collection.promise"]
    Dispute = env["ai.collection.dispute"]
    out = []
    for partner in partners:
        moves = Move.search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        overdue = ev = at_risk = 0.0
        for move in moves:
            late = (TODAY - move.invoice_date_due).days
            if late <= 0 and move.ai_risk_band not in ("high", "critical"):
                continue
            if late > 0:
                overdue += move.amount_residual_signed
            if move.ai_in_dispute or move.ai_has_open_promise:
                continue
            at_risk += move.amount_residual_signed
            ev += move.amount_residual_signed * move.ai_default_probability / 100
        promise = Promise.search([("partner_id", "=", partner.id), ("state", "=", "open")], limit=1)
        disputes = Dispute.search_count([("partner_id", "=", partner.id), ("state", "=", "open")])
        out.append((partner.id, overdue, at_risk, ev, promise.id, disputes, partner.ai_risk_band))
    return out


def time_open(env, user, repeat):
    """Median time of what the web client does to open the default list and kanban."""
    Worklist = env["ai.collection.worklist"].with_user(user)
    list_view = env.ref("ar_ai_collections.ai_collection_worklist_view_list")
    views = Worklist.get_views([(list_view.id, "list")])
    fields_spec = {
        name: ({"fields": {"display_name": {}}} if info.get("type") == "many2one" else {})
        for name, info in views["models"]["ai.collection.worklist"]["fields"].items()
    }
    list_times, kanban_times = [], []
    for _ in range(repeat):
        env.invalidate_all()
        t0 = time.perf_counter()
        result = Worklist.web_search_read([], fields_spec, limit=80, count_limit=10001)
        list_times.append(time.perf_counter() - t0)
        env.invalidate_all()
        t0 = time.perf_counter()
        Worklist.web_read_group([], ["tier"], ["tier"], lazy=True)
        kanban_times.append(time.perf_counter() - t0)
    return statistics.median(list_times), statistics.median(kanban_times), result["length"]


def main(argv=None):
    args = parse_args(argv)
    ensure_database(args.db, args.template, args.rebuild, http_port=18114)
    odoo, registry = odoo_env(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"ai_risk_no_rescore": True})
        cr.execute("SELECT count(*) FROM res_partner WHERE name LIKE 'Bench Customer %%'")
        if cr.fetchone()[0] == 0:
            load_data(env, args)
            cr.commit()
        company = env.ref("base.main_company")
        Worklist = env["ai.collection.worklist"]

        t0 = time.perf_counter()
        Worklist._refresh(company)
        env.flush_all()
        refresh_s = time.perf_counter() - t0
        cr.commit()
        cr.execute("SELECT tier, count(*) FROM ai_collection_worklist GROUP BY tier ORDER BY 1")
        tiers = dict(cr.fetchall())
        n_lines = sum(tiers.values())

        # One customer's line after a call / promise / dispute (partner-scoped).
        one = env["ai.collection.worklist"].search([], limit=1).partner_id
        partner_times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            Worklist._refresh_partners(one, company)
            partner_times.append(time.perf_counter() - t0)
        partner_s = statistics.median(partner_times)
        cr.commit()

        collector = env["res.users"].search([("login", "=", "bench_collector_0")])
        open_s, kanban_s, length = time_open(env, collector, args.repeat)
        admin_open_s, _, admin_length = time_open(env, env.ref("base.user_admin"), args.repeat)

        cr.execute(
            """SELECT id FROM res_partner WHERE name LIKE 'Bench Customer %%'
                ORDER BY random() LIMIT %s""",
            [args.sample],
        )
        sample = env["res.partner"].browse([row[0] for row in cr.fetchall()])
        env.invalidate_all()
        t0 = time.perf_counter()
        naive_lines(env, company, sample)
        naive_s = time.perf_counter() - t0
        cr.rollback()

    naive_total = naive_s / max(len(sample), 1) * args.customers
    print(f"worklist lines: {n_lines}  tiers: {tiers}")
    print(f"refresh (SQL + policy + upsert): {refresh_s * 1000:.0f} ms")
    print(f"one customer's line (after a call/promise/dispute): {partner_s * 1000:.1f} ms")
    print(
        f"open list as a collector ({length} lines visible): web_search_read "
        f"{open_s * 1000:.1f} ms (median of {args.repeat}); kanban read_group "
        f"{kanban_s * 1000:.1f} ms"
    )
    print(f"open list as admin ({admin_length} lines): {admin_open_s * 1000:.1f} ms")
    print(
        f"naive ORM: {naive_s / max(len(sample), 1) * 1000:.2f} ms/customer on {len(sample)} "
        f"-> {naive_total:.1f}s extrapolated to {args.customers}"
    )
    print(
        f"speed-up: open x{naive_total / open_s:.0f}, refresh x{naive_total / refresh_s:.1f}   "
        f"target open <= 500 ms: {'OK' if max(open_s, admin_open_s) <= 0.5 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
