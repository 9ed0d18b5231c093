"""Screenshots of the running demo for the README and the Apps page.

Usage (with the demo served, see scripts/demo):
    python scripts/screenshots.py [--url http://localhost:8069] [--db ai_collections_demo]
        [--out .local/screenshots | --update-readme] [--roles] [--cdp-port 9333]

Writes into .local/screenshots/ (git-ignored) unless told otherwise:
``--update-readme`` overwrites the tracked screenshots of the README and the
Apps page (static/description/screenshots/).

Logs in as admin/admin through JSON-RPC, then drives headless Chromium over the
DevTools protocol (websocket-client, already a test requirement) and saves one
PNG per page: invoice list with risk badges, an overdue invoice's risk panel
(time to payment), the collector worklist, the cash forecast (refreshed first),
the settings block, the KPI overview, the model-monitoring graph and the demo
experiment's results.

``--roles`` looks at the addon as each demo login does (README, "Demo logins"):
the pages each role works in, saved as ``<role>_<page>.png``; a page showing an
error dialog (an access error, say) is reported and makes the script fail.
"""

import argparse
import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

WIDTH, HEIGHT = 1400, 900
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / ".local" / "screenshots"
WORKLIST = "/odoo/action-ar_ai_collections.ai_collection_worklist_action"
INVOICES = "/odoo/action-account.action_move_out_invoice_type"
CASH_FORECAST = "/odoo/action-ar_ai_collections.ai_cash_forecast_action"
KPI_OVERVIEW = "/odoo/action-ar_ai_collections.ai_collection_kpi_action_overview"
MONITORING = "/odoo/action-ar_ai_collections.ai_model_monitoring_action"
EXPERIMENTS = "/odoo/action-ar_ai_collections.ai_collection_experiment_action"
#: Demo login (password = login) -> the pages that role works in (name, path).
ROLE_PAGES = {
    "demo": [
        ("invoices", INVOICES),
        ("customers", "/odoo/action-account.res_partner_action_customer"),
    ],
    "collector": [
        ("worklist", WORKLIST),
        ("promises", "/odoo/action-ar_ai_collections.ai_collection_promise_action"),
        ("disputes", "/odoo/action-ar_ai_collections.ai_collection_dispute_action"),
        ("payment_plans", "/odoo/action-ar_ai_collections.ai_collection_payment_plan_action"),
        ("calls", "/odoo/action-ar_ai_collections.ai_collection_call_action"),
    ],
    "manager": [
        ("worklist", WORKLIST),
        ("risk_models", "/odoo/action-ar_ai_collections.ai_risk_model_action"),
        ("dunning_levels", "/odoo/action-ar_ai_collections.ai_dunning_level_action"),
        ("kpi_overview", KPI_OVERVIEW),
        ("monitoring", MONITORING),
        ("prediction_log", "/odoo/action-ar_ai_collections.ai_risk_prediction_action"),
        ("experiments", EXPERIMENTS),
        ("cash_forecast", CASH_FORECAST),
    ],
    "admin": [("settings", "/odoo/action-account.action_account_config"), ("invoices", INVOICES)],
}
TRACKED_OUT = ROOT / "static" / "description" / "screenshots"


def login(url, db, login_name, password):
    """Return the session id of an authenticated session."""
    payload = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"db": db, "login": login_name, "password": password},
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310
        f"{url}/web/session/authenticate",
        data=payload,
        headers={"Content-Type": "application/json"},
    )
    # --url is checked to be http(s) in main()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        body = json.loads(response.read())
        if body.get("error"):
            raise SystemExit(f"login failed: {body['error']}")
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session_id="):
                return header.split(";", 1)[0].split("=", 1)[1]
    raise SystemExit("login failed: no session cookie")


def rpc(url, session_id, model, method, args, kwargs=None):
    payload = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310
        f"{url}/web/dataset/call_kw",
        data=payload,
        headers={"Content-Type": "application/json", "Cookie": f"session_id={session_id}"},
    )
    # --url is checked to be http(s) in main()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        body = json.loads(response.read())
    if body.get("error"):
        raise SystemExit(f"{model}.{method}: {body['error']['data']['message']}")
    return body["result"]


def shrink(path):
    """Palette PNG (256 colours): a third of the size, same look for UI shots."""
    try:
        from PIL import Image  # Pillow ships with Odoo
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


class Browser:
    """Minimal DevTools client: one tab, synchronous commands."""

    def __init__(self, port=9333):
        chromium = next(
            (
                shutil.which(n)
                for n in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(n)
            ),
            None,
        )
        if not chromium:
            raise SystemExit("Chromium not found")
        self.profile = tempfile.mkdtemp(prefix="ai-coll-shots-")
        self.process = subprocess.Popen(
            [
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=5) as r:
                    tabs = [t for t in json.loads(r.read()) if t["type"] == "page"]
                if tabs:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("Chromium did not start")
            time.sleep(0.5)
        self.ws = websocket.create_connection(tabs[0]["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=60):
        deadline = time.monotonic() + timeout
        check = f"!!document.querySelector({json.dumps(selector)})"
        while not self.evaluate(check):
            if time.monotonic() > deadline:
                raise RuntimeError(f"timeout waiting for {selector}")
            time.sleep(0.5)

    def shot(self, url, selector, path, click=None, scroll_to_text=None):
        """Open ``url``, wait for ``selector``, optionally click ``click`` and
        scroll a heading containing ``scroll_to_text`` to the top, then save a PNG.
        Returns the text of an error dialog on the page, if any."""
        self.send("Page.navigate", url=url)
        time.sleep(1)
        self.wait_for(selector)
        if click:
            self.wait_for(click)
            self.evaluate(f"document.querySelector({json.dumps(click)}).click()")
        if scroll_to_text:
            self.evaluate(
                "[...document.querySelectorAll('h2, h3, span')]"
                f".find(e => e.textContent.trim() === {json.dumps(scroll_to_text)})"
                "?.scrollIntoView()"
            )
        time.sleep(2.5)  # let lazy widgets and fonts settle
        # no transient notifications (e.g. "page out of date" while assets rebuild)
        self.evaluate("document.querySelectorAll('.o_notification').forEach(n => n.remove())")
        error = self.evaluate(
            "document.querySelector('.o_error_dialog, .o_dialog .modal-body')?.innerText || ''"
        )
        data = self.send("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))
        shrink(path)
        print(f"saved {path} ({Path(path).stat().st_size // 1024} KiB)")
        return error

    def log_in(self, url, session_id):
        """Use ``session_id`` for the next pages (a 1400 px wide window)."""
        host = url.split("//", 1)[1].split("/", 1)[0].split(":")[0]
        self.send("Network.enable")
        self.send("Network.clearBrowserCookies")
        self.send("Network.setCookie", name="session_id", value=session_id, domain=host, path="/")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=20)
            shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="ai_collections_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument(
        "--cdp-port", type=int, default=9333, help="Chromium's DevTools port (default: 9333)"
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT}")
    parser.add_argument("--roles", action="store_true", help="the pages of each demo login")
    target.add_argument(
        "--update-readme",
        action="store_true",
        help=f"overwrite the tracked screenshots in {TRACKED_OUT}",
    )
    args = parser.parse_args()
    if not args.url.startswith(("http://", "https://")):
        parser.error("--url must be an http(s) URL")
    if args.update_readme:
        args.out = TRACKED_OUT
    elif args.out.resolve().is_relative_to(TRACKED_OUT):
        parser.error(f"{TRACKED_OUT} holds tracked files: use --update-readme to overwrite them")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.roles:
        return role_shots(args)
    session_id = login(args.url, args.db, args.login, args.password)

    # An overdue high-risk invoice of the demo ledger shows a filled risk panel:
    # P(paid in 7/30/90 days), the expected payment date and its interval; one
    # with an undecided P(paid in 30 days) (in %) shows more than empty bars.
    overdue = [
        ("move_type", "=", "out_invoice"),
        ("state", "=", "posted"),
        ("payment_state", "in", ["not_paid", "partial"]),
        ("invoice_date_due", "<", time.strftime("%Y-%m-%d")),
        ("ai_p_paid_30d", "!=", False),
        ("ai_pay_date_low", "!=", False),
        ("invoice_line_ids.product_id.default_code", "=", "AI-COLL-DEMO"),
    ]
    invoice = []
    undecided = [
        ("ai_risk_band", "in", ["high", "critical"]),
        ("ai_p_paid_30d", ">=", 20),
        ("ai_p_paid_30d", "<=", 60),
    ]
    for domain in ([*overdue, *undecided], overdue):
        invoice = invoice or rpc(
            args.url,
            session_id,
            "account.move",
            "search_read",
            [domain],
            {"fields": ["id"], "order": "amount_residual desc", "limit": 1},
        )
    experiment = rpc(
        args.url,
        session_id,
        "ai.collection.experiment",
        "search_read",
        [[("state", "!=", "draft")]],
        {"fields": ["id"], "order": "measured_on desc, id desc", "limit": 1},
    )
    browser = Browser(port=args.cdp_port)
    try:
        browser.log_in(args.url, session_id)
        base = args.url.rstrip("/")
        browser.shot(
            f"{base}/odoo/action-account.action_move_out_invoice_type",
            ".o_list_renderer .o_data_row",
            args.out / "invoice_list.png",
        )
        if invoice:
            browser.shot(
                f"{base}/odoo/action-account.action_move_out_invoice_type/{invoice[0]['id']}",
                ".o_form_view .o_notebook",
                args.out / "invoice_risk.png",
                click=".o_notebook a[name='ai_payment_risk']",
            )
        browser.shot(
            f"{base}/odoo/action-ar_ai_collections.ai_collection_worklist_action",
            ".o_action_manager .o_view_controller",
            args.out / "worklist.png",
        )
        # The demo does not refresh the forecast: its daily scheduled action would.
        rpc(args.url, session_id, "ai.cash.forecast", "action_refresh", [[]])
        browser.shot(
            f"{base}{CASH_FORECAST}",
            ".o_graph_renderer canvas",
            args.out / "cash_forecast.png",
        )
        browser.shot(
            f"{base}/odoo/action-account.action_account_config",
            ".o_setting_container, .settings",
            args.out / "settings.png",
            scroll_to_text="Collections AI: payment risk",
        )
        browser.shot(
            f"{base}{KPI_OVERVIEW}",
            ".o_kanban_renderer .o_kanban_record",
            args.out / "kpi_overview.png",
        )
        browser.shot(
            f"{base}{MONITORING}",
            ".o_graph_renderer canvas",
            args.out / "model_monitoring.png",
        )
        if experiment:
            browser.shot(
                f"{base}{EXPERIMENTS}/{experiment[0]['id']}",
                ".o_form_view .o_notebook .o_data_row",
                args.out / "experiment.png",
            )
    finally:
        browser.close()


def role_shots(args):
    """Each demo login's pages; fails when one shows an error dialog."""
    base = args.url.rstrip("/")
    errors = []
    browser = Browser(port=args.cdp_port)
    try:
        for role, pages in ROLE_PAGES.items():
            browser.log_in(args.url, login(args.url, args.db, role, role))
            for name, path in pages:
                error = browser.shot(
                    base + path,
                    ".o_action_manager .o_view_controller",
                    args.out / f"{role}_{name}.png",
                )
                if error:
                    errors.append(f"{role} {name}: {error.strip()[:300]}")
    finally:
        browser.close()
    for error in errors:
        print(f"ERROR {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
