"""Skipped runs were stored with `finished_at` read a few microseconds before the default `started_at`, so
the sync page showed them with a negative duration. Such a run ends when it starts."""

from django.db import migrations
from django.db.models import F


def end_no_run_before_it_starts(apps, schema_editor):
    SyncRun = apps.get_model("kinsta_sync", "SyncRun")
    SyncRun.objects.filter(finished_at__lt=F("started_at")).update(finished_at=F("started_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("kinsta_sync", "0002_unbounded_kinsta_strings"),
    ]

    operations = [
        # Nothing to undo: the old times were wrong by microseconds.
        migrations.RunPython(end_no_run_before_it_starts, migrations.RunPython.noop),
    ]
