"""The sync service: fetch from Kinsta, parse at the edge (kinsta_sync.api), upsert into the mirror.

`run_sync()` (in `run.py`) is the one entry point (command, django-q2 task and admin action call it). It

1. claims the account's lease with a conditional UPDATE, so one sync per account runs at a time and a
   dead run's lease simply expires;
2. records a `SyncRun` and runs the requested steps in order; each step catches Kinsta errors, records
   them on the run with the endpoint and goes on, so a failed step keeps what was stored before it;
3. fetches outside transactions and writes each batch in its own short transaction (bulk upserts keyed
   by Kinsta ids that only write rows whose values changed, so a second sync changes nothing: `upsert.py`);
4. stores an incremental cursor (analytics per environment, the activity log per account) only after
   the rows it covers are committed, so the next run heals any gap.

One module per step: `company.py` (validate, regions), `sites.py`, `users.py`, `activity.py`, `analytics.py`,
`traffic.py` (response codes, top countries and referrers, the device split), `wordpress.py` (plugins, themes,
backups).
"""

from kinsta_sync.sync.activity import STEP_ACTIVITY, sync_activity
from kinsta_sync.sync.analytics import STEP_ANALYTICS, analytics_window, sync_analytics
from kinsta_sync.sync.company import STEP_REGIONS, STEP_VALIDATE, sync_regions, sync_validate
from kinsta_sync.sync.run import (
    ALL_STEPS,
    DAILY_STEPS,
    HOURLY_STEPS,
    STEP_FUNCTIONS,
    STEP_SETS,
    Counts,
    SyncAborted,
    claim_lease,
    client_for_account,
    exit_code,
    release_lease,
    run_sync,
)
from kinsta_sync.sync.sites import STEP_SITES, sync_sites
from kinsta_sync.sync.traffic import STEP_TRAFFIC, sync_traffic
from kinsta_sync.sync.users import STEP_USERS, sync_users
from kinsta_sync.sync.wordpress import STEP_WORDPRESS, sync_wordpress

__all__ = [
    "ALL_STEPS",
    "DAILY_STEPS",
    "HOURLY_STEPS",
    "STEP_ACTIVITY",
    "STEP_ANALYTICS",
    "STEP_FUNCTIONS",
    "STEP_REGIONS",
    "STEP_SETS",
    "STEP_SITES",
    "STEP_TRAFFIC",
    "STEP_USERS",
    "STEP_VALIDATE",
    "STEP_WORDPRESS",
    "Counts",
    "SyncAborted",
    "analytics_window",
    "claim_lease",
    "client_for_account",
    "exit_code",
    "release_lease",
    "run_sync",
    "sync_activity",
    "sync_analytics",
    "sync_regions",
    "sync_sites",
    "sync_traffic",
    "sync_users",
    "sync_validate",
    "sync_wordpress",
]
