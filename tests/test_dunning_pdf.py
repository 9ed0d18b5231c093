"""Real PDFs of the dunning reports: wkhtmltopdf renders them, pdftotext reads them back."""

import datetime as dt
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from freezegun import freeze_time

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import tagged

from .common import post_invoice_due

TODAY = "2026-06-30"


def pdf_text(pdf):
    """The text of a PDF, page layout kept (``pdftotext -layout``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"],
            capture_output=True,
            check=True,
            timeout=60,
        )
    return " ".join(result.stdout.decode().split())


@tagged("post_install", "-at_install")
class TestDunningPdf(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not shutil.which("wkhtmltopdf"):
            raise unittest.SkipTest("wkhtmltopdf is not installed: no PDF to check (scripts/setup)")
        if not shutil.which("pdftotext"):
            raise RuntimeError("pdftotext is missing: install poppler-utils (scripts/setup)")
        # The page styles come over HTTP from report.url: point it where nothing
        # listens, so that the PDF is the same whatever server runs on this machine
        # (with Odoo's web fonts, Debian's wkhtmltopdf draws text pdftotext cannot read).
        cls.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Northern Bridge Trading SA", "email": "ap@northernbridge.be"}
        )
        cls.overdue = post_invoice_due(cls.env, cls.customer, 1234.5, dt.date(2026, 5, 15))
        cls.not_due = post_invoice_due(cls.env, cls.customer, 200.0, dt.date(2026, 7, 31))
        cls.final_level = cls.env["ai.dunning.level"].create(
            {
                "name": "Final notice",
                "company_id": cls.env.company.id,
                "days": 45,
                "tone": "final",
                "send_email": False,
                "print_letter": True,
            }
        )

    def _render(self, xmlid, **context):
        """Render as the dunning run does, forcing a real PDF in test mode."""
        run = self.env["ai.dunning.run"].with_context(force_report_rendering=True)
        report = self.env.ref(xmlid)
        content, ext, mimetype, problem = run._render_report(report, self.customer, **context)
        self.assertIsNone(problem)
        self.assertEqual((ext, mimetype), ("pdf", "application/pdf"))
        self.assertTrue(content.startswith(b"%PDF-"))
        return pdf_text(content)

    def test_reminder_letter_pdf(self):
        with freeze_time(TODAY):
            text = self._render(
                "ar_ai_collections.action_report_ai_dunning_letter",
                ai_dunning_level_id=self.final_level.id,
            )
        self.assertIn("Final notice", text)
        self.assertIn("Dear Northern Bridge Trading SA", text)
        self.assertIn("hand the account over", text)
        self.assertIn(self.overdue.name, text)
        self.assertIn("46", text)  # days overdue on 2026-06-30
        self.assertIn("1,234.50", text)
        self.assertNotIn(self.not_due.name, text)  # a letter lists overdue invoices only

    def test_customer_statement_pdf(self):
        with freeze_time(TODAY):
            text = self._render("ar_ai_collections.action_report_ai_statement")
        self.assertIn("Statement of account", text)
        self.assertIn(self.overdue.name, text)
        self.assertIn(self.not_due.name, text)
        self.assertIn("1,434.50", text)  # total due
        self.assertIn("of which overdue", text)
