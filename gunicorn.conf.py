"""gunicorn's settings for this app; gunicorn reads this file from the directory it starts in.

    .venv/bin/gunicorn dashboard.wsgi --bind 127.0.0.1:8000 --workers 3

Threaded workers: a slow client (a request whose headers trickle in, a phone on a bad network) holds one
thread, not a whole worker, so three slow connections no longer stop /healthz. Put the documented proxy in
front all the same: it buffers whole requests and answers slow clients itself (docs/deployment.md).
"""

worker_class = "gthread"
threads = 4
# A request (a PDF included, ~2-4 s) must finish in this time; a stuck worker is restarted after it.
timeout = 60
graceful_timeout = 30
# Share and password-reset tokens never reach the access log (dashboard/log_redaction.py).
logger_class = "dashboard.log_redaction.GunicornLogger"
