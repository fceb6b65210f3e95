"""The update merge reads only what is new: a mark on the activity entries it has read, and the indexes of
what it selects (the entries not read yet, the recent ones, the observed events no entry claims)."""

from django.db import migrations, models


def entries_with_an_event_are_merged(apps, schema_editor):
    # Tied to an event, an entry was read by the merge before this mark existed; the rest are read once more.
    ActivityLogEntry = apps.get_model("kinsta_sync", "ActivityLogEntry")
    ActivityLogEntry.objects.filter(update_event__isnull=False).update(update_merged=True)


class Migration(migrations.Migration):
    dependencies = [
        ("kinsta_sync", "0007_update_activity"),
    ]

    operations = [
        migrations.AddField(
            model_name="activitylogentry",
            name="update_merged",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(entries_with_an_event_are_merged, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="activitylogentry",
            index=models.Index(
                condition=models.Q(("update_merged", False)), fields=["account", "type"], name="activity_not_merged"
            ),
        ),
        migrations.AddIndex(
            model_name="activitylogentry",
            index=models.Index(fields=["account", "type", "occurred_at"], name="activity_account_type_time"),
        ),
        migrations.AddIndex(
            model_name="updateevent",
            index=models.Index(
                condition=models.Q(("activity__isnull", True), ("observed", True)),
                fields=["seen_at"],
                name="update_event_open",
            ),
        ),
    ]
