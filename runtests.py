#!/usr/bin/env python3
"""Run the whole test suite on a fresh clone: `python3 runtests.py [pytest arguments]`.

Needs only python3 (3.11+). Creates `.venv`, installs requirements-dev.txt when it changed, then runs the
linters (ruff), Django's system checks, the missing-migrations check and pytest. Uses SQLite unless
`DATABASE_URL` points elsewhere (`.ci/run` runs it once on PostgreSQL and once on SQLite).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def ensure_venv(requirements: str) -> None:
    """Create the virtualenv and (re)install the requirements when their content changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print(f"Creating {VENV} …", flush=True)
        venv.create(VENV, with_pip=True)
    files = [ROOT / "requirements.txt", ROOT / requirements]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Installing {requirements} …", flush=True)
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([PY, "-m", "pip", "install", "--quiet", "-r", ROOT / requirements], check=True)
    stamp.write_text(digest)


def main() -> int:
    ensure_venv("requirements-dev.txt")
    env = dict(os.environ)
    # Development defaults (the test settings are the real settings; DEBUG only unlocks dev secrets).
    env.setdefault("DEBUG", "true")
    # A file-based SQLite test database (not the shared in-memory one), so tests that run syncs in two
    # threads at once see real SQLite locking, as the web process and the worker do.
    if not env.get("DATABASE_URL", "").startswith(("postgres", "pgsql")):
        test_db = Path(tempfile.gettempdir()) / f"agency-reports-test-{os.getpid()}.sqlite3"
        env.setdefault("SQLITE_TEST_NAME", str(test_db))
    steps = [
        ("ruff", [BIN / "ruff", "check", "."]),
        ("django checks", [PY, "manage.py", "check", "--fail-level", "WARNING"]),
        ("migrations", [PY, "manage.py", "makemigrations", "--check", "--dry-run"]),
    ]
    for name, command in steps:
        print(f"== {name}", flush=True)
        if subprocess.run(command, cwd=ROOT, env=env).returncode != 0:
            print(f"!! {name} failed", flush=True)
            return 1
    database = env.get("DATABASE_URL", "sqlite (default)").split("@")[-1]
    print(f"== pytest on {database}", flush=True)
    return subprocess.run([PY, "-m", "pytest", *sys.argv[1:]], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
