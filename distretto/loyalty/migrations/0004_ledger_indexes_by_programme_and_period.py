"""A ledger transaction is looked up by programme and period together, through the
``loyalty_tx_period`` index, which also serves the programme alone: the indexes of
``period`` (two on PostgreSQL: plain and for LIKE) and of ``program_id`` only slow
every movement's INSERT. They are dropped here directly: Django's AlterField would
drop and add the programme's foreign key on PostgreSQL, checking every row again,
and rebuild the whole table on SQLite.
"""

from django.db import migrations, models

COLUMNS = ["period", "program_id"]


def plain_indexes(schema_editor, model, column: str) -> list[str]:
    """The plain (not unique) indexes on ``column`` alone."""
    return schema_editor._constraint_names(
        model, [column], index=True, unique=False, primary_key=False
    )


def drop_indexes(apps, schema_editor):
    model = apps.get_model("loyalty", "LedgerTransaction")
    for column in COLUMNS:  # on PostgreSQL, period's LIKE index too
        for index in plain_indexes(schema_editor, model, column):
            schema_editor.execute(schema_editor._delete_index_sql(model, index))


def make_indexes(apps, schema_editor):
    model = apps.get_model("loyalty", "LedgerTransaction")
    for name in ("period", "program"):
        field = model._meta.get_field(name)
        if not plain_indexes(schema_editor, model, field.column):
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
    if schema_editor.connection.vendor == "postgresql":
        period = model._meta.get_field("period")
        schema_editor.execute(schema_editor._create_like_index_sql(model, period))


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0003_till_post_function"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ledgertransaction",
                    name="period",
                    field=models.CharField(max_length=7, verbose_name="period"),
                ),
                migrations.AlterField(
                    model_name="ledgertransaction",
                    name="program",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="transactions",
                        to="loyalty.program",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, make_indexes)],
        )
    ]
