"""Upgrade to 18.0.1.3.0: a dispute's ``responsible_id`` becomes ``user_id``, data kept."""

from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.sql import column_exists, index_exists, make_index_name, rename_column

from .test_migration import MIGRATIONS, load_migration
from .worklist_common import WorklistCase

MIGRATION = MIGRATIONS / "18.0.1.3.0" / "pre-10-dispute-collector.py"
TABLE = "ai_collection_dispute"
FIELD_XMLID = "ar_ai_collections.field_ai_collection_dispute__user_id"


@tagged("post_install", "-at_install")
class TestDisputeMigration(WorklistCase):
    def _downgrade_schema(self):
        """The schema as 18.0.1.2.0 left it: column, index, field record and XML id
        named ``responsible_id``."""
        self.env.flush_all()
        cr = self.env.cr
        rename_column(cr, TABLE, "user_id", "responsible_id")
        cr.execute(
            SQL(
                "ALTER INDEX %s RENAME TO %s",
                SQL.identifier(make_index_name(TABLE, "user_id")),
                SQL.identifier(make_index_name(TABLE, "responsible_id")),
            )
        )
        field = self.env.ref(FIELD_XMLID)
        cr.execute("UPDATE ir_model_fields SET name = 'responsible_id' WHERE id = %s", [field.id])
        cr.execute(
            "UPDATE ir_model_data SET name = 'field_ai_collection_dispute__responsible_id'"
            " WHERE module = 'ar_ai_collections' AND name = 'field_ai_collection_dispute__user_id'"
        )
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        return field

    def _disputes(self):
        partner = self._customer("Upgraded")
        other = self.env["res.users"].create(
            {
                "name": "Other collector",
                "login": "other.collector.migration",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
            }
        )
        disputes = self.env["ai.collection.dispute"].create(
            [
                {"partner_id": partner.id, "move_ids": [(6, 0, self._invoice(partner, 5).ids)]},
                {
                    "partner_id": partner.id,
                    "move_ids": [(6, 0, self._invoice(partner, 9).ids)],
                    "user_id": other.id,
                },
            ]
        )
        return disputes, {dispute.id: dispute.user_id for dispute in disputes}

    def test_every_dispute_keeps_its_collector(self):
        disputes, collectors = self._disputes()
        self.assertEqual(collectors[disputes[0].id], self.collector)
        field = self._downgrade_schema()
        self.assertFalse(column_exists(self.env.cr, TABLE, "user_id"))
        load_migration(MIGRATION).migrate(self.env.cr, "18.0.1.2.0")
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertFalse(column_exists(self.env.cr, TABLE, "responsible_id"))
        self.assertTrue(index_exists(self.env.cr, make_index_name(TABLE, "user_id")))
        self.assertEqual({d.id: d.user_id for d in disputes}, collectors)
        self.assertEqual(self.env.ref(FIELD_XMLID), field, "same field record: tracking kept")
        self.assertEqual(field.name, "user_id")
        # Run twice (a restarted upgrade): nothing left to do, nothing broken.
        load_migration(MIGRATION).migrate(self.env.cr, "18.0.1.2.0")
        self.assertEqual({d.id: d.user_id for d in disputes}, collectors)

    def test_fresh_install_is_left_alone(self):
        disputes, collectors = self._disputes()
        load_migration(MIGRATION).migrate(self.env.cr, None)
        self.env.invalidate_all()
        self.assertEqual({d.id: d.user_id for d in disputes}, collectors)
        self.assertTrue(column_exists(self.env.cr, TABLE, "user_id"))
