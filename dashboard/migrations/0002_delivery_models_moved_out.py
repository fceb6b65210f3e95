"""Report schedules, sends and share links moved to the `delivery` app (dashboard.delivery).

State only: the tables stay as they are, with every row (the models keep `db_table`), and
dashboard/delivery/migrations/0001_initial.py takes the models over in its own state.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='reportsend',
                name='approved_by',
            ),
            migrations.RemoveField(
                model_name='reportsend',
                name='client',
            ),
            migrations.RemoveField(
                model_name='reportsend',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='sharelink',
                name='client',
            ),
            migrations.RemoveField(
                model_name='sharelink',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='sharelink',
                name='revoked_by',
            ),
            migrations.DeleteModel(
                name='ReportSchedule',
            ),
            migrations.DeleteModel(
                name='ReportSend',
            ),
            migrations.DeleteModel(
                name='ShareLink',
            ),
            ],
            database_operations=[],
        ),
    ]
