"""Production-mode smoke test: the real server, a real Celery worker, over HTTP.

Creates its own PostgreSQL database, seeds a few demo cases, collects the static
files with the production storage, then starts gunicorn (uvicorn workers,
DEBUG=0) and a Celery worker on Redis. A demo national administrator logs in
with both factors, opens the main pages, uploads a small CSV file that the
worker checks and imports, and downloads an export the worker writes. Any 5xx
or wait that runs out fails the run; the server, the worker and the database
are always removed. Run by .ci/run: ``.venv/bin/python tools/smoke.py``.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PG = os.environ.get("SMOKE_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_DB = os.environ.get("SMOKE_REDIS_DB", "14")
USER_EMAIL = "admin@fr.example.org"
USER_PASSWORD = "Demo-Customs-2026"  # accounts/demo.py's DEMO_PASSWORD
WAIT_SECONDS = 60
CSV_ROWS = [
    "national_reference,seizure_date,country,transport_mode,detection_method,"
    "commodity_type,quantity,unit",
    "FR-SMOKE-1,14/03/2026,FR,AIR_PASSENGER,DETECTOR_DOG,COCAINE,3,KG",
    "FR-SMOKE-2,15/03/2026,FR,AIR_PASSENGER,DETECTOR_DOG,COCAINE,1,KG",
]
PAGES = [
    "/",
    "/cases/search/",
    "/cases/statistics/",
    "/cases/statistics/trends/",
    "/cases/photos/",
    "/cases/exports/",
    "/cases/extract/",
    "/cases/uploads/",
    "/accounts/audit/",
    "/accounts/users/",
    "/api/docs/",
]


class SmokeFailure(Exception):
    pass


def log(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
    )


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    # Each service runs in its own process group: stop its children too.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until(what: str, check) -> object:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise SmokeFailure(f"timed out waiting for {what}")


class Client:
    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.session.request(method, self.base + path, timeout=30, **kwargs)
        if response.status_code >= 500:
            raise SmokeFailure(f"{method} {path}: {response.status_code}")
        return response

    def get(self, path: str, expect: int = 200) -> requests.Response:
        response = self.request("GET", path)
        if response.status_code != expect:
            raise SmokeFailure(f"GET {path}: {response.status_code}, expected {expect}")
        return response

    def post_form(self, page: str, action: str, data: dict, files=None) -> requests.Response:
        """Post to ``action`` with the CSRF token of the form on ``page``
        (CSRF_COOKIE_HTTPONLY: the token is read from the form, not the cookie)."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(page).text)
        if token is None:
            raise SmokeFailure(f"no CSRF token on {page}")
        data = {"csrfmiddlewaretoken": token.group(1), **data}
        response = self.request("POST", action, data=data, files=files)
        if response.status_code != 200:
            raise SmokeFailure(f"POST {action}: {response.status_code}")
        return response


def path_of(response: requests.Response) -> str:
    return response.url.removeprefix(response.url.split("/", 3)[0] + "//").split("/", 1)[1]


def run(client: Client, env: dict) -> None:
    response = client.post_form(
        "/accounts/login/",
        "/accounts/login/",
        {"email": USER_EMAIL, "password": USER_PASSWORD, "next": "/"},
    )
    if "/accounts/otp/verify/" not in response.url:
        raise SmokeFailure(f"password step ended on {response.url}")
    # One code per 30 s window: the one login of this run.
    code = manage({**env, "DEBUG": "1"}, "demo_totp", USER_EMAIL).strip()
    response = client.post_form("/accounts/otp/verify/", "/accounts/otp/verify/", {"token": code})
    if response.url.rstrip("/") != client.base:
        raise SmokeFailure(f"second factor ended on {response.url}")
    log("logged in with password and TOTP")

    for page in PAGES:
        client.get(page)
    home = client.get("/").text
    for asset in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', home))):
        client.get(asset)
    log(f"{len(PAGES)} pages and the home page's static files answer 200")

    csv = ("\n".join(CSV_ROWS) + "\n").encode("utf-8")
    response = client.post_form(
        "/cases/uploads/new/",
        "/cases/uploads/new/",
        {},
        files={"file": ("smoke.csv", csv, "text/csv")},
    )
    upload = "/" + path_of(response)
    if not re.fullmatch(r"/cases/uploads/\d+/", upload):
        raise SmokeFailure(f"upload ended on {upload}")

    def upload_status():
        found = re.search(r'id="upload-state"[^>]*data-status="([a-z]+)"', client.get(upload).text)
        status = found.group(1) if found else ""
        if status in ("invalid", "failed"):
            raise SmokeFailure(f"upload {upload} is {status}")
        return status not in ("", "checking", "importing") and status

    status = wait_until("the worker to check the upload", upload_status)
    if status != "awaiting":
        raise SmokeFailure(f"upload {upload} is {status}, expected awaiting")
    client.post_form(upload, upload + "confirm/", {"existing": "update"})
    if wait_until("the worker to import the upload", upload_status) != "done":
        raise SmokeFailure(f"upload {upload} did not end done")
    # The upload page links the cases it created (seizures/services/cases.py's references).
    created = set(re.findall(r'href="(/cases/CEN-[^/"]+/)"', client.get(upload).text))
    imported = [link for link in sorted(created) if "FR-SMOKE-" in client.get(link).text]
    if len(imported) != 2:
        raise SmokeFailure(f"expected the 2 imported cases to open, got {imported}")
    log("upload checked and imported by the worker; its cases open")

    # Imported cases are drafts, which a search shows only when asked for.
    response = client.post_form(
        "/cases/search/?status=draft",
        "/cases/exports/new/",
        {"query": "status=draft", "layout": "case", "columns": "summary", "format": "csv"},
    )
    export = "/" + path_of(response)
    if not re.fullmatch(r"/cases/exports/\d+/", export):
        raise SmokeFailure(f"export ended on {export}")

    def export_link():
        page = client.get(export).text
        if "alert-danger" in page:
            raise SmokeFailure(f"export {export} failed")
        found = re.search(r'href="([^"]+)" data-testid="export-download"', page)
        return found and found.group(1)

    download = client.get(wait_until("the worker to write the export", export_link)).text
    references = [link.split("/")[2] for link in imported]
    if not all(reference in download for reference in references):
        raise SmokeFailure(f"the export does not contain the imported cases {references}")
    log(f"export written by the worker and downloaded ({len(download)} characters)")


def main() -> int:
    started = time.monotonic()
    database = f"cen_smoke_{os.getpid()}"
    temp = Path(tempfile.mkdtemp(prefix="cen-smoke-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "DEBUG": "0",
        "SECRET_KEY": "smoke-test-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "DATABASE_POOL": "0",
        "STATIC_ROOT": str(temp / "static"),
        "MEDIA_ROOT": str(temp / "media"),
    }
    server = worker = None
    psql(f"DROP DATABASE IF EXISTS {database}")
    psql(f"CREATE DATABASE {database}")
    try:
        manage(env, "migrate", "--no-input")
        manage({**env, "DEBUG": "1"}, "seed_demo", "--cases", "20")
        manage(env, "collectstatic", "--no-input")
        log("database migrated and seeded, static files collected")
        logs = temp / "logs"
        logs.mkdir()
        server = subprocess.Popen(
            [
                *(str(VENV_BIN / "gunicorn"), "cen_suite.asgi:application"),
                *("-k", "uvicorn_worker.UvicornWorker", "-w", "2", "-b", f"127.0.0.1:{port}"),
            ],
            cwd=ROOT,
            env=env,
            stdout=open(logs / "gunicorn.log", "w"),  # noqa: SIM115  (closed with the process)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker = subprocess.Popen(
            [
                *(str(VENV_BIN / "celery"), "-A", "cen_suite", "worker", "--loglevel", "info"),
                *("--concurrency", "1", "--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env=env,
            stdout=open(logs / "celery.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        client = Client(f"http://127.0.0.1:{port}")

        def server_up():
            if server.poll() is not None:
                raise SmokeFailure("gunicorn exited")
            try:
                return requests.get(client.base + "/health/", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until("gunicorn to answer /health/", server_up)
        run(client, env)
    except (SmokeFailure, subprocess.CalledProcessError, requests.RequestException) as failure:
        log(f"FAILED: {failure}")
        if isinstance(failure, subprocess.CalledProcessError):
            print(failure.stdout, failure.stderr, sep="\n", file=sys.stderr)
        for name in ("gunicorn.log", "celery.log"):
            path = temp / "logs" / name
            if path.exists():
                print(f"--- last lines of {name}", file=sys.stderr)
                print("\n".join(path.read_text().splitlines()[-40:]), file=sys.stderr)
        return 1
    finally:
        stop(server)
        stop(worker)
        psql(f"DROP DATABASE IF EXISTS {database}")
        shutil.rmtree(temp, ignore_errors=True)
    log(f"passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
