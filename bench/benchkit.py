"""What the benchmarks share. Each is run as a file (`python bench/x.py`), so
this folder comes first on the import path and `import benchkit` finds this
module, which puts the project on the path and sets Django up: import it
before anything of the project's."""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cen_suite.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts.services import SESSION_AUTH_TIME, SESSION_LAST_SEEN  # noqa: E402


def timed(function, runs: int, *, warm_up: bool = False) -> float:
    """The median of ``runs`` calls, in milliseconds (after one call not counted,
    with ``warm_up``: caches, files read once, the planner)."""
    if warm_up:
        function()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def logged_in_client(user) -> Client:
    """A test client whose session is as after the password and the second factor."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=user).first().persistent_id
    session[SESSION_AUTH_TIME] = session[SESSION_LAST_SEEN] = time.time()
    session.save()
    return client
