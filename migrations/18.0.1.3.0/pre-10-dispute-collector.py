"""18.0.1.3.0: a dispute's collector is ``user_id``, as on promises, payment plans and
worklist lines (it was ``responsible_id``; both cases now hold it once, in
``ai.collection.case.mixin``).

Every dispute keeps its collector: the column is renamed with its index, and so are
the field's ``ir.model.fields`` record (the chatters' tracking values point to it)
and its XML id. The foreign key keeps its name (Odoo finds it by its column).
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists, index_exists, make_index_name, rename_column

TABLE = "ai_collection_dispute"
MODEL = "ai.collection.dispute"
OLD, NEW = "responsible_id", "user_id"


def migrate(cr, version):
    if not version or not column_exists(cr, TABLE, OLD) or column_exists(cr, TABLE, NEW):
        return
    rename_column(cr, TABLE, OLD, NEW)
    old_index, new_index = make_index_name(TABLE, OLD), make_index_name(TABLE, NEW)
    if index_exists(cr, old_index) and not index_exists(cr, new_index):
        cr.execute(
            SQL(
                "ALTER INDEX %s RENAME TO %s",
                SQL.identifier(old_index),
                SQL.identifier(new_index),
            )
        )
    cr.execute(
        SQL(
            "UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s",
            NEW,
            MODEL,
            OLD,
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE ir_model_data SET name = %s
             WHERE module = 'ar_ai_collections' AND model = 'ir.model.fields' AND name = %s
            """,
            f"field_{TABLE}__{NEW}",
            f"field_{TABLE}__{OLD}",
        )
    )
