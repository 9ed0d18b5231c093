"""Throughput of the dunning run on OCA queue_job: two job workers against one.

Uses the dunning benchmark's database (``bench_odoo_dunning.py``: ``--invoices``
open invoices over ``--invoices / --per-customer`` customers), with ``queue_job``
installed on it once. For each worker count, on a fresh copy of that database:

1. the scheduled action's queue path enqueues today's batches
   (``ai.dunning.run._enqueue_company``: one job per ``--batch-size`` customers on
   ``root.ai_dunning``), business hours opened to the whole day and week;
2. an Odoo server starts with ``--load=base,web,queue_job --workers=N`` and the
   channel capacity N (``ODOO_QUEUE_JOB_CHANNELS=root:N``); its job runner hands
   the jobs to the HTTP workers; the server is stopped when no job is left.

The throughput is jobs over the span from the first job started to the last one
done (``queue_job.date_started`` / ``date_done``), so that server start-up is not
counted; the per-batch cost is the jobs' mean ``exec_time``.

Usage (a PostgreSQL server from the environment, see ``odoo_bench``)::

    BENCH_DB_PORT=55447 /opt/odoo18/venv/bin/python benchmarks/bench_dunning_queue_job.py \\
        --template ait_base_account --invoices 20000 --batch-size 100

The issue's target: two job workers at least 1.4x the throughput of one.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_odoo_dunning import configure_levels, load_data
from odoo_bench import (
    _server_args,
    copy_database,
    drop_database,
    ensure_database,
    odoo_cli,
    odoo_env,
    psql,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="dun_qj")
    parser.add_argument("--template", default="ait_base_account", help="database with account")
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--per-customer", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=100, help="customers per job")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--http-port", type=int, default=18119)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per worker count")
    parser.add_argument("--rebuild", action="store_true")
    return parser.parse_args(argv)


def build(args):
    """The loaded dunning database with queue_job installed (once)."""
    ensure_database(args.db, args.template, args.rebuild, http_port=args.http_port)
    odoo, registry = odoo_env(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"ai_risk_no_rescore": True})
        cr.execute("SELECT count(*) FROM account_move WHERE name LIKE 'BENCH/%%'")
        if cr.fetchone()[0] == 0:
            load_data(env, args)
        configure_levels(env, env.ref("base.main_company"))
        cr.execute("SELECT state FROM ir_module_module WHERE name = 'queue_job'")
        installed = cr.fetchone()[0] == "installed"
        cr.commit()
    if not installed:
        odoo_cli(args.db, "-i", "queue_job", http_port=args.http_port)
    return odoo


def enqueue(odoo, db, batch_size):
    """Enqueue the run's batch jobs in ``db``; return how many."""
    registry = odoo.modules.registry.Registry.new(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"ai_risk_no_rescore": True})
        company = env.ref("base.main_company")
        # Jobs run now (not at the benchmark's date): any hour and day of the week.
        company.write(
            {
                "ai_dunning_hour_start": 0.0,
                "ai_dunning_hour_end": 24.0,
                "ai_dunning_weekdays_only": False,
            }
        )
        env["ai.dunning.run"].with_company(company)._enqueue_company(company, batch_size)
        env.flush_all()
        cr.execute("SELECT count(*) FROM queue_job WHERE channel = 'root.ai_dunning'")
        return cr.fetchone()[0]


# Starts Odoo as the ``odoo`` command does, except its long-polling process (which
# prefork respawns as ``<argv[0]> gevent``): the benchmark has no bus client, and on
# a machine where gevent cannot load it would be respawned in a loop, eating a core.
LAUNCHER = """import signal, sys
if sys.argv[1:2] == ["gevent"]:
    signal.pause()
from odoo.cli import main
main()
"""


def work_off(db, workers, args):
    """Serve ``db`` with ``workers`` job workers until no job is left; the jobs' span."""
    env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=f"root:{workers}")
    launcher = Path(tempfile.gettempdir()) / "bench_dunning_odoo_launcher.py"
    launcher.write_text(LAUNCHER)
    server = subprocess.Popen(
        [
            sys.executable,
            str(launcher),
            *_server_args(db),
            "--load=base,web,queue_job",
            f"--workers={workers}",
            "--max-cron-threads=0",
            f"--http-port={args.http_port}",
            "--limit-time-real=1800",
            "--limit-time-cpu=1800",
            "--limit-memory-soft=4294967296",
            "--limit-memory-hard=5368709120",
        ],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + args.timeout
        with psql(db) as conn, conn.cursor() as cr:
            while time.monotonic() < deadline:
                time.sleep(2)
                cr.execute(
                    """SELECT count(*) FILTER (WHERE state NOT IN ('done', 'failed')),
                              count(*) FILTER (WHERE state = 'failed')
                         FROM queue_job WHERE channel = 'root.ai_dunning'"""
                )
                pending, failed = cr.fetchone()
                if not pending:
                    break
            cr.execute(
                """SELECT EXTRACT(EPOCH FROM max(date_done) - min(date_started)),
                          avg(exec_time), count(*) FILTER (WHERE state = 'done')
                     FROM queue_job WHERE channel = 'root.ai_dunning'"""
            )
            span, per_job, done = cr.fetchone()
            # What the jobs did: a job that finds nothing to do is no throughput.
            cr.execute("SELECT count(*) FROM mail_mail WHERE state = 'outgoing'")
            mails = cr.fetchone()[0]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    if pending:
        raise SystemExit(f"{pending} jobs still pending after {args.timeout}s")
    return float(span), float(per_job), done, failed, mails


def main(argv=None):
    args = parse_args(argv)
    odoo = build(args)
    results = {}
    for workers in args.workers:
        copy = f"{args.db}_w{workers}"
        copy_database(args.db, copy)
        try:
            jobs = enqueue(odoo, copy, args.batch_size)
            span, per_job, done, failed, mails = work_off(copy, workers, args)
        finally:
            drop_database(copy)
        results[workers] = done / span
        print(
            f"{workers} job worker(s): {done}/{jobs} jobs of {args.batch_size} customers done "
            f"({failed} failed) in {span:.1f}s: {results[workers] * 60:.1f} jobs/min, "
            f"{per_job:.1f}s per job, {mails} mails queued"
        )
    one = results.get(1)
    for workers, throughput in results.items():
        if one and workers != 1:
            ratio = throughput / one
            print(
                f"{workers} workers vs 1: x{ratio:.2f} throughput   target >= 1.4x: "
                f"{'OK' if ratio >= 1.4 else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
