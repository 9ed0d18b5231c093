"""Plumbing shared by the Odoo benchmarks: server, database, addons path, registry.

The benchmarks run against a PostgreSQL server given by the environment
(``BENCH_DB_HOST``, ``BENCH_DB_PORT``, ``BENCH_DB_USER``, ``BENCH_DB_PASSWORD``;
defaults: 127.0.0.1:54329, role odoo/odoo) and a template database with
``account`` installed (``--template``). The benchmark database is copied from
the template once, the addon installed (or upgraded when the database is
reused, so that it always runs the current code) and then kept, so that the
slow bulk load happens once.

The addons path is the installed Odoo's own addons plus ``.local/addons`` of
this repository (the folder scripts/demo and scripts/test use, holding a
``ar_ai_collections`` link to the repository root) and ``.local/oca-addons``
(OCA addons unpacked by scripts/setup).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parents[1]
MODULE = "ar_ai_collections"
DB_ARGS = {
    "host": os.environ.get("BENCH_DB_HOST", "127.0.0.1"),
    "port": int(os.environ.get("BENCH_DB_PORT", "54329")),
    "user": os.environ.get("BENCH_DB_USER", "odoo"),
    "password": os.environ.get("BENCH_DB_PASSWORD", "odoo"),
}


def addons_path() -> str:
    """Core addons of the installed Odoo, then a folder holding this addon."""
    import odoo

    base = Path(odoo.__file__).resolve().parent
    paths = [base / "addons"]
    extra = base.parent / "addons"
    if (extra / "web").is_dir():
        paths.append(extra)
    link_dir = ROOT / ".local" / "addons"
    link_dir.mkdir(parents=True, exist_ok=True)
    link = link_dir / MODULE
    if not link.is_symlink() or link.resolve() != ROOT:
        if link.is_symlink():
            link.unlink()
        link.symlink_to(ROOT)
    paths.append(link_dir)
    # OCA addons unpacked by scripts/setup (queue_job, account_credit_control).
    oca = ROOT / ".local" / "oca-addons"
    if oca.is_dir():
        paths.append(oca)
    return ",".join(str(p) for p in paths)


def _server_args(db: str) -> list[str]:
    return [
        "-d",
        db,
        "--db_host",
        DB_ARGS["host"],
        "--db_port",
        str(DB_ARGS["port"]),
        "--db_user",
        DB_ARGS["user"],
        "--db_password",
        DB_ARGS["password"],
        f"--addons-path={addons_path()}",
        "--log-level=warn",
    ]


def psql(dbname: str = "postgres"):
    """An autocommit psycopg2 connection to ``dbname``."""
    conn = psycopg2.connect(dbname=dbname, **DB_ARGS)
    conn.autocommit = True
    return conn


def odoo_cli(db: str, *extra: str, http_port: int | str = 18199) -> None:
    """Run the ``odoo`` command on ``db`` (``--stop-after-init``)."""
    subprocess.run(
        ["odoo", *_server_args(db), *extra, "--stop-after-init", f"--http-port={http_port}"],
        check=True,
    )


def _release(db: str) -> None:
    """Close this process's pooled connections and registry of ``db``."""
    import odoo

    odoo.sql_db.close_db(db)
    odoo.modules.registry.Registry.delete(db)


def drop_database(db: str) -> None:
    """Drop ``db`` if it exists."""
    _release(db)
    conn = psql()
    with conn.cursor() as cr:
        cr.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(db)))
    conn.close()


def copy_database(source: str, target: str) -> None:
    """``target`` as a fresh file copy of ``source`` (replacing any previous ``target``)."""
    drop_database(target)
    _release(source)
    conn = psql()
    with conn.cursor() as cr:
        cr.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(target), sql.Identifier(source)
            )
        )
    conn.close()


def ensure_database(
    db: str, template: str, rebuild: bool = False, http_port: int | str = 18199
) -> bool:
    """Copy ``template`` to ``db`` if missing, install or upgrade the addon.

    :return: whether the database was created by this call.
    """
    conn = psql()
    with conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
        exists = bool(cr.fetchone()) and not rebuild
    conn.close()
    if not exists:
        copy_database(template, db)
    odoo_cli(db, "-u" if exists else "-i", MODULE, http_port=http_port)
    return not exists


def odoo_env(db: str):
    """``(odoo, registry)`` of ``db``, for benchmarks that drive the ORM in-process."""
    import odoo
    from odoo.tools import config

    config.parse_config(_server_args(db))
    return odoo, odoo.modules.registry.Registry(db)


def engine_on_path() -> None:
    """Make the engine package importable when a benchmark runs as a script."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def open_invoice_overrides(prefix: str) -> dict[str, str]:
    """Column expressions that turn a cloned posted invoice header into open invoice ``t.i``.

    For ``INSERT INTO account_move (...) SELECT <expr or m.col> FROM account_move m,
    unnest(...) AS t(i, partner_id, due, amount, ...)``: the invoice is named
    ``<prefix><i>``, dated and due on ``t.due``, unpaid for ``t.amount``, and carries
    no hash or sequence of the original.
    """
    return {
        "name": f"'{prefix}' || lpad(t.i::text, 7, '0')",
        "partner_id": "t.partner_id",
        "commercial_partner_id": "t.partner_id",
        "invoice_date": "t.due",
        "date": "t.due",
        "invoice_date_due": "t.due",
        "amount_residual": "t.amount",
        "amount_residual_signed": "t.amount",
        "amount_total": "t.amount",
        "amount_total_signed": "t.amount",
        "amount_untaxed": "t.amount",
        "amount_untaxed_signed": "t.amount",
        "payment_state": "'not_paid'",
        "payment_reference": "NULL",
        "inalterable_hash": "NULL",
        "secure_sequence_number": "NULL",
        "sequence_number": "t.i",
        "sequence_prefix": f"'{prefix}'",
    }
