"""Signals the mirror sends, so apps that build on it (clients) can react without this app knowing them."""

from django.dispatch import Signal

# Sent after every finished (not skipped) sync run, outside any transaction.
# Arguments: sender=SyncRun, run=<SyncRun>, account=<KinstaAccount>.
sync_finished = Signal()
