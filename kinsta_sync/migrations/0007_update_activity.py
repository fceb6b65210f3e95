"""Update events merged with Kinsta's activity log: the real time of an update and who did it, updates only
the activity log knows, and a unique constraint that lets an update to a version seen before be recorded."""

import django.db.models.deletion
from django.db import migrations, models


def happened_is_seen(apps, schema_editor):
    UpdateEvent = apps.get_model("kinsta_sync", "UpdateEvent")
    UpdateEvent.objects.update(happened_at=models.F("seen_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("kinsta_sync", "0006_traffic"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="updateevent", name="unique_update_event"),
        migrations.RemoveIndex(model_name="updateevent", name="update_event_env_time"),
        migrations.AddField(
            model_name="updateevent",
            name="happened_at",
            field=models.DateTimeField(
                null=True, help_text="When it happened: the activity's time if known, else seen_at."
            ),
        ),
        migrations.RunPython(happened_is_seen, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="updateevent",
            name="happened_at",
            field=models.DateTimeField(help_text="When it happened: the activity's time if known, else seen_at."),
        ),
        migrations.AddField(
            model_name="updateevent",
            name="observed",
            field=models.BooleanField(default=True, help_text="False: known only from the activity log."),
        ),
        migrations.AddField(
            model_name="updateevent",
            name="activity",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="update_event",
                to="kinsta_sync.activitylogentry",
            ),
        ),
        migrations.AddField(
            model_name="updateevent",
            name="updated_by",
            field=models.TextField(blank=True, help_text="Who did it, from the activity entry."),
        ),
        migrations.AlterField(
            model_name="updateevent",
            name="from_version",
            field=models.TextField(blank=True, help_text="Empty when only the activity log knows the update."),
        ),
        migrations.AlterField(
            model_name="updateevent",
            name="seen_at",
            field=models.DateTimeField(
                help_text="When a sync first saw the new version (the activity's time if none)."
            ),
        ),
        migrations.AlterModelOptions(name="updateevent", options={"ordering": ["-happened_at", "name"]}),
        migrations.AddConstraint(
            model_name="updateevent",
            constraint=models.UniqueConstraint(
                fields=("environment", "kind", "name", "from_version", "to_version", "seen_at"),
                name="unique_update_event_seen",
            ),
        ),
        migrations.AddIndex(
            model_name="updateevent",
            index=models.Index(fields=["environment", "happened_at"], name="update_event_env_happened"),
        ),
    ]
