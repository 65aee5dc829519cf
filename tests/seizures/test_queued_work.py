"""With the broker down, work is recorded as queued, the page says so, and the
sweep sends it exactly once when the broker is back."""

import datetime
import logging
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from unittest import mock

import pytest
import redis
import time_machine
from celery import current_app
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import PendingTask
from seizures import tasks
from seizures.models import Export, ExportStatus, Upload, UploadStatus
from seizures.services import queued_work_sweep

from .uploads import CASE_ROW, as_file, filled_template

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def broker_down():
    """Celery not eager, publishing to a loopback port where nothing listens."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url, conf.broker_write_url
    conf.task_always_eager, conf.broker_url, conf.broker_write_url = (
        False,
        CLOSED_PORT_BROKER,
        None,
    )
    _forget_broker_connections()
    yield
    conf.task_always_eager, conf.broker_url, conf.broker_write_url = saved
    _forget_broker_connections()


def _forget_broker_connections():
    # Both pools keep the broker they were made for: a new broker URL needs new ones.
    current_app._pool = None
    current_app.amqp._producer_pool = None


def broker_back():
    current_app.conf.task_always_eager = True


def test_publishing_gives_up_within_seconds_when_the_broker_is_unreachable():
    conf = current_app.conf
    assert conf.broker_connection_timeout <= 2
    assert conf.broker_transport_options["socket_connect_timeout"] <= 2
    assert conf.task_publish_retry_policy["max_retries"] <= 1


def upload_page_post(client, capture):
    with capture(execute=True):
        response = client.post(
            reverse("seizures:upload-create"), {"file": as_file(filled_template([CASE_ROW]))}
        )
    return response


def test_an_upload_with_the_broker_down_is_saved_and_its_page_says_it_is_queued(
    as_user, national_admin, broker_down, django_capture_on_commit_callbacks, caplog
):
    client = as_user(national_admin)
    with caplog.at_level(logging.WARNING, logger="cen_suite.queueing"):
        response = upload_page_post(client, django_capture_on_commit_callbacks)
    upload = Upload.objects.get()
    assert response.status_code == 302 and response.url == upload.get_absolute_url()
    assert upload.status == UploadStatus.CHECKING and upload.waiting_for_queue
    assert upload.file and "broker is unreachable" in caplog.text
    page = client.get(upload.get_absolute_url()).content.decode()
    assert 'data-testid="upload-queued"' in page
    assert not upload.check_stalled


def test_the_sweep_checks_a_queued_upload_exactly_once_when_the_broker_is_back(
    as_user, national_admin, broker_down, django_capture_on_commit_callbacks
):
    client = as_user(national_admin)
    upload_page_post(client, django_capture_on_commit_callbacks)
    broker_back()
    with (
        mock.patch.object(tasks.check_upload, "run", wraps=tasks.check_upload.run) as run,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert queued_work_sweep() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert queued_work_sweep() == 0
    upload = Upload.objects.get()
    assert run.call_count == 1
    assert upload.status == UploadStatus.AWAITING and not upload.waiting_for_queue
    assert upload.attempts == 1
    page = client.get(upload.get_absolute_url()).content.decode()
    assert 'data-testid="upload-queued"' not in page


def test_a_sweep_with_the_broker_still_down_leaves_the_upload_queued(
    as_user, national_admin, broker_down, django_capture_on_commit_callbacks
):
    upload_page_post(as_user(national_admin), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        queued_work_sweep()
    upload = Upload.objects.get()
    assert upload.status == UploadStatus.CHECKING and upload.waiting_for_queue


def test_the_sweep_sends_again_a_check_that_stalled_and_leaves_a_live_one_alone(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    upload_page_post(as_user(national_admin), django_capture_on_commit_callbacks)
    upload = Upload.objects.get()
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.CHECKING, checked_at=None, attempts=1
    )
    with mock.patch.object(tasks.check_upload, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            assert queued_work_sweep() == 0
        Upload.objects.filter(pk=upload.pk).update(
            progress_at=timezone.now() - timedelta(minutes=11)
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert queued_work_sweep() == 1
            assert queued_work_sweep() == 0
    assert send.call_count == 1


def test_an_import_in_progress_is_never_sent_again_by_the_sweep(
    as_user, national_admin, django_capture_on_commit_callbacks
):
    upload_page_post(as_user(national_admin), django_capture_on_commit_callbacks)
    Upload.objects.update(
        status=UploadStatus.IMPORTING, progress_at=timezone.now() - timedelta(hours=1)
    )
    with (
        mock.patch.object(tasks.import_upload, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert queued_work_sweep() == 0
    assert send.call_count == 0


def test_an_export_with_the_broker_down_is_queued_and_run_once_by_the_sweep(
    as_user, officer, broker_down, django_capture_on_commit_callbacks
):
    client = as_user(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("seizures:export-create"),
            {"query": "", "layout": "case", "columns": "summary", "format": "csv"},
        )
    export = Export.objects.get()
    assert response.status_code == 302
    assert export.status == ExportStatus.QUEUED and export.waiting_for_queue
    page = client.get(response.url).content.decode()
    assert 'data-testid="export-queued"' in page
    broker_back()
    with (
        mock.patch.object(tasks.run_export, "run", wraps=tasks.run_export.run) as run,
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("sweep_queued_work")
        call_command("sweep_queued_work")
    export.refresh_from_db()
    assert run.call_count == 1
    assert export.status == ExportStatus.DONE and not export.waiting_for_queue


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 (a fixed command, no user input)
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
    for _attempt in range(50):
        try:
            client.ping()
            return server
        except redis.exceptions.ConnectionError:
            time.sleep(0.1)
    server.terminate()
    pytest.fail("redis-server did not start")


REDIS_SERVER = shutil.which("redis-server")


@pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")
def test_a_real_redis_stopped_then_started_again_gets_the_queued_upload_once(
    as_user, national_admin, broker_down, django_capture_on_commit_callbacks
):
    port = _free_loopback_port()
    current_app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    _forget_broker_connections()
    server = _start_redis(port)
    server.terminate()
    server.wait()
    client = as_user(national_admin)
    response = upload_page_post(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Upload.objects.get().waiting_for_queue
    server = _start_redis(port)
    try:
        _forget_broker_connections()
        with django_capture_on_commit_callbacks(execute=True):
            assert queued_work_sweep() == 1
            assert queued_work_sweep() == 0
        queued = redis.Redis(host="127.0.0.1", port=port).llen("celery")
    finally:
        server.terminate()
        server.wait()
    assert queued == 1
    assert not Upload.objects.get().waiting_for_queue


def test_an_extract_asked_for_with_the_broker_down_is_built_by_the_sweep(
    as_user, wco_staff, broker_down, django_capture_on_commit_callbacks
):
    from seizures.models import DatabaseExtract

    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(wco_staff).post(reverse("seizures:extract"), follow=True)
    assert response.status_code == 200
    assert "A new extract is being built" in response.content.decode()
    assert not DatabaseExtract.objects.exists()
    assert PendingTask.objects.get().task == tasks.build_extract.name
    broker_back()
    assert queued_work_sweep() == 1
    assert queued_work_sweep() == 0
    assert DatabaseExtract.objects.get().requested_by == wco_staff
    assert not PendingTask.objects.exists()


def test_a_password_reset_asked_for_with_the_broker_down_is_e_mailed_once_it_is_back(
    client, officer, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password-reset"), {"email": officer.email})
    assert response.status_code == 302
    assert mail.outbox == [] and PendingTask.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert queued_work_sweep() == 0  # still down: the e-mail still waits
    assert PendingTask.objects.count() == 1
    broker_back()
    assert queued_work_sweep() == 1
    assert queued_work_sweep() == 0
    assert [message.to for message in mail.outbox] == [[officer.email]]
    assert "/password-reset/" in mail.outbox[0].body


def test_a_watch_run_with_the_broker_down_e_mails_its_new_cases_once_it_is_back(
    analyst, officer, national_admin, record, broker_down, django_capture_on_commit_callbacks
):
    from seizures import services

    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        services.saved_search_save(user=analyst, name="Bananas", query="q=banana", is_watch=True)
        traveller.shift(timedelta(hours=1))
        case = record(officer, date=datetime.date(2026, 1, 5), narrative="banana boxes")
        services.case_validate(user=national_admin, case=case)
        traveller.shift(timedelta(days=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert services.watch_notices_send() == 1
        assert mail.outbox == []
        traveller.shift(timedelta(days=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert services.watch_notices_send() == 0  # the case is not counted twice
        broker_back()
        assert queued_work_sweep() == 1
        assert queued_work_sweep() == 0
    assert len(mail.outbox) == 1 and case.reference in mail.outbox[0].body


def test_a_photo_added_with_the_broker_down_gets_its_thumbnail_from_the_sweep(
    officer, make_case, broker_down, django_capture_on_commit_callbacks
):
    from seizures import services
    from seizures.photos import photo_sanitise

    from .conftest import jpeg_bytes, upload

    case = make_case(officer)
    image = photo_sanitise(upload(jpeg_bytes(size=(640, 480))))
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.photo_add(user=officer, case=case, clean_image=image, kind="seizure")
    photo.refresh_from_db()
    assert not photo.thumbnail
    broker_back()
    assert queued_work_sweep() == 1
    photo.refresh_from_db()
    assert photo.thumbnail and not PendingTask.objects.exists()


def test_a_recorded_task_is_sent_once_whoever_sends_it_first(
    officer, django_capture_on_commit_callbacks
):
    from cen_suite.queueing import pending_task_send, task_enqueue_recorded

    with mock.patch.object(tasks.build_extract, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            task_enqueue_recorded(tasks.build_extract, officer.pk)
        assert queued_work_sweep() == 1  # the sweep got there before the commit hook
        for callback in callbacks:
            callback()
        assert pending_task_send(pk=0)  # nothing left to send is no failure
    assert send.call_count == 1


def test_a_task_not_queued_is_logged_without_the_case_references_it_carries(broker_down, caplog):
    from cen_suite.queueing import task_enqueue

    with caplog.at_level(logging.WARNING, logger="cen_suite.queueing"):
        assert task_enqueue(tasks.send_watch_email, 7, ["CEN-2026-SECRET"], 1) is False
    assert "send_watch_email(7" in caplog.text
    assert "CEN-2026-SECRET" not in caplog.text
