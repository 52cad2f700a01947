"""The document pipeline without any app: requesting, running, reusing, failing, sweeping,
and the URL fetcher that lets a document reach nothing but our static files."""

import io
import socket
import threading
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.documents import services
from core.documents.rendering import html_to_pdf
from core.exceptions import ApplicationError
from core.models import AuditLog, DocumentExport
from tests.conftest import broker_down
from tests.municipalities.factories import UserFactory

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _request(user, format="pdf"):
    return services.document_export_request(
        kind="test_note", subject=user, format=format, actor=user
    )


# --- request -------------------------------------------------------------------------------


def test_a_request_makes_a_pending_job_queued_after_commit(
    note_kind, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export, created = _request(user)
    assert created
    assert export.status == "pending"
    assert export.attempts == 0
    assert export.requested_by == user
    assert len(callbacks) == 1  # the task is queued only once the row is committed
    assert AuditLog.objects.filter(action="document_export.request").count() == 1


def test_the_same_content_reuses_the_job_and_a_change_makes_a_new_one(note_kind):
    user = UserFactory()
    first, _ = _request(user)
    again, created = _request(user)
    assert (again.pk, created) == (first.pk, False)

    note_kind.body = "<p>Изменённый текст.</p>"
    changed, created = _request(user)
    assert created
    assert changed.pk != first.pk


def test_a_job_that_failed_minutes_ago_is_shown_again_an_older_one_is_not(note_kind):
    user = UserFactory()
    first, _ = _request(user)
    DocumentExport.objects.filter(pk=first.pk).update(
        status="failed", finished_at=timezone.now() - timedelta(minutes=2)
    )
    again, created = _request(user)  # not three more renders per click
    assert (again.pk, created) == (first.pk, False)

    DocumentExport.objects.filter(pk=first.pk).update(
        finished_at=timezone.now() - timedelta(hours=1)
    )
    second, created = _request(user)
    assert created
    assert second.pk != first.pk


def test_a_foreign_user_is_told_not_found_and_nothing_is_made(note_kind):
    owner, stranger = UserFactory(), UserFactory()
    with pytest.raises(ApplicationError) as refused:
        services.document_export_request(
            kind="test_note", subject=owner, format="pdf", actor=stranger
        )
    assert refused.value.status == 404
    assert not DocumentExport.objects.exists()


def test_an_unknown_format_is_refused_with_a_field_error(note_kind):
    user = UserFactory()
    with pytest.raises(ApplicationError) as refused:
        _request(user, format="xlsx")
    assert refused.value.status == 400
    assert "format" in refused.value.extra
    assert not DocumentExport.objects.exists()


# --- run -----------------------------------------------------------------------------------


def test_running_a_job_stores_the_pdf_with_its_pages_and_timings(note_kind):
    user = UserFactory(username="ivanova")
    export, _ = _request(user)
    done = services.document_export_run(export_id=export.pk)
    assert done.status == "succeeded"
    assert done.attempts == 1
    assert done.pages == 1
    assert done.size == done.file.size > 0
    assert set(done.timings) >= {"context", "html", "layout", "write", "store", "total"}
    with done.file.open("rb") as handle:
        assert "Записка ivanova" in _pdf_text(handle.read())


def test_running_a_finished_job_again_changes_nothing(note_kind):
    user = UserFactory()
    export, _ = _request(user, format="csv")
    services.document_export_run(export_id=export.pk)
    first = DocumentExport.objects.get(pk=export.pk)
    services.document_export_run(export_id=export.pk)
    again = DocumentExport.objects.get(pk=export.pk)
    assert note_kind.writes == 1
    assert (again.file.name, again.attempts, again.finished_at) == (
        first.file.name,
        first.attempts,
        first.finished_at,
    )


def test_a_writer_streams_tabular_formats_into_the_file(note_kind):
    user = UserFactory(username="petrov")
    export, _ = _request(user, format="csv")
    done = services.document_export_run(export_id=export.pk)
    assert done.status == "succeeded"
    assert done.pages is None
    with done.file.open("rb") as handle:
        assert handle.read() == b"name\npetrov\n"


def test_a_render_error_is_retried_then_the_job_fails_with_its_reason(
    note_kind, django_capture_on_commit_callbacks
):
    user = UserFactory()
    export, _ = _request(user)
    note_kind.fail = True
    for attempt in (1, 2):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.document_export_run(export_id=export.pk)
        export.refresh_from_db()
        assert (export.status, export.attempts) == ("pending", attempt)
        assert len(callbacks) == 1  # queued again, later
    services.document_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, export.attempts) == ("failed", 3)
    assert "RuntimeError" in export.error
    assert "broken template data" not in export.error  # details stay in the log


def test_a_job_whose_attempts_all_died_is_failed_not_run_again(note_kind):
    """Three deliveries that each died mid-render (the row says running, attempts 3): the
    next delivery gives up instead of rendering a fourth time."""
    user = UserFactory()
    export, _ = _request(user)
    DocumentExport.objects.filter(pk=export.pk).update(status="running", attempts=3)
    done = services.document_export_run(export_id=export.pk)
    assert done.status == "failed"
    assert "3" in done.error
    assert not done.file


def test_a_job_of_a_deleted_subject_fails_cleanly(note_kind):
    user = UserFactory()
    export, _ = _request(user)
    user.delete()
    for _attempt in range(3):
        services.document_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == "failed"


def test_content_changed_after_the_request_is_filed_under_what_was_printed(note_kind):
    user = UserFactory(username="smirnova")
    export, _ = _request(user)
    asked_for = export.content_hash
    note_kind.body = "<p>Исправленный текст.</p>"
    done = services.document_export_run(export_id=export.pk)
    assert done.status == "succeeded"
    assert done.content_hash != asked_for  # the hash of the content it shows
    with done.file.open("rb") as handle:
        assert "Исправленный текст" in _pdf_text(handle.read())
    # Asking for the old content again (an edit undone) renders it afresh, not this file.
    note_kind.body = "<p>Текст записки.</p>"
    _again, created = _request(user)
    assert created


def test_content_changed_when_a_newer_job_exists_gives_way_to_it(note_kind):
    user = UserFactory()
    old, _ = _request(user)
    note_kind.body = "<p>Новый текст.</p>"
    new, _ = _request(user)
    stale = services.document_export_run(export_id=old.pk)
    assert stale.status == "failed"
    assert not stale.file
    assert services.document_export_run(export_id=new.pk).status == "succeeded"


def test_a_file_that_cannot_be_stored_is_recorded_on_the_job(note_kind, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDIA_ROOT = str(blocker)  # storage cannot make its folders here
    user = UserFactory()
    export, _ = _request(user)
    done = services.document_export_run(export_id=export.pk)
    assert (done.status, done.attempts) == ("pending", 1)
    assert "NotADirectoryError" in done.error


# --- sweeper and an unreachable broker -----------------------------------------------------


def test_the_sweeper_queues_stuck_and_never_queued_jobs_only(note_kind):
    users = UserFactory.create_batch(4)
    stuck, fresh, never_queued, done = (_request(user)[0] for user in users)
    now = timezone.now()
    DocumentExport.objects.filter(pk=stuck.pk).update(
        status="running", started_at=now - timedelta(hours=1), queued_at=now - timedelta(hours=1)
    )
    DocumentExport.objects.filter(pk=fresh.pk).update(
        status="running", started_at=now, queued_at=now
    )
    DocumentExport.objects.filter(pk=never_queued.pk).update(queued_at=None)
    DocumentExport.objects.filter(pk=done.pk).update(status="succeeded", queued_at=None)

    assert services.document_exports_sweep() == 2
    stuck.refresh_from_db()
    never_queued.refresh_from_db()
    fresh.refresh_from_db()
    # The stuck job waits again as pending, so the next sweep does not send it once more.
    assert (stuck.status, stuck.attempts) == ("pending", 0)
    assert stuck.queued_at > now - timedelta(minutes=1)
    assert never_queued.queued_at is not None
    assert (fresh.status, fresh.queued_at) == ("running", now)
    assert services.document_exports_sweep() == 0


def test_a_job_requested_while_the_broker_is_down_is_kept_and_queued_once_it_is_back(
    note_kind, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with broker_down():
        with django_capture_on_commit_callbacks(execute=True):
            export, created = _request(user)
        export.refresh_from_db()
        assert created  # the request itself succeeded
        assert (export.status, export.queued_at) == ("pending", None)
        assert services.document_exports_sweep() == 0  # still down: left as it is

    assert services.document_exports_sweep() == 1
    export.refresh_from_db()
    assert export.status == "pending"
    assert export.queued_at is not None


# --- the URL fetcher -----------------------------------------------------------------------


@pytest.fixture
def listener():
    """A TCP listener on localhost that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections: list = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            connections.append(connection)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join()
    server.close()


def test_the_fetcher_serves_static_files_and_data_and_refuses_everything_else(listener):
    port, connections = listener
    html = f"""<html><head>
      <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
      <link rel="stylesheet" href="/static/css/site.css">
      <style>body {{ background: url("http://169.254.169.254/latest/meta-data/"); }}</style>
      </head><body>
      <p>Начало</p>
      <img src="file:///etc/passwd">
      <img src="http://127.0.0.1:{port}/pixel.png">
      <img src="https://127.0.0.1:{port}/pixel.png">
      <img src="/static/../../../../etc/passwd">
      <img src="ftp://127.0.0.1:{port}/x">
      <object data="file:///etc/hostname"></object>
      <iframe src="http://127.0.0.1:{port}/frame"></iframe>
      <img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
      <p>Конец</p></body></html>"""
    rendered = html_to_pdf(html)
    text = _pdf_text(rendered.content)
    assert "Начало" in text
    assert "Конец" in text
    assert "root:" not in text
    assert connections == []
    refused = " ".join(rendered.refused_urls)
    for url in (
        f"http://127.0.0.1:{port}/style.css",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/pixel.png",
        f"https://127.0.0.1:{port}/pixel.png",
        f"ftp://127.0.0.1:{port}/x",
    ):
        assert url in refused
    assert "static/css/site.css" not in refused  # our own stylesheet was served
    assert not any(url.startswith("data:") for url in rendered.refused_urls)
    assert b"/etc/passwd" not in rendered.content
    assert f"127.0.0.1:{port}".encode() not in rendered.content


# --- API and pages -------------------------------------------------------------------------


def test_the_status_endpoint_and_the_download(note_kind, api_client):
    user = UserFactory()
    export, _ = _request(user)
    api_client.force_authenticate(user)
    url = reverse("export-detail", args=[export.pk])

    pending = api_client.get(url)
    assert pending.status_code == 200
    assert pending.json() == {
        "id": export.pk,
        "status": "pending",
        "format": "pdf",
        "pages": None,
        "size": None,
        "download_url": None,
        "error": "",
    }
    assert api_client.get(reverse("export-download", args=[export.pk])).status_code == 404

    services.document_export_run(export_id=export.pk)
    body = api_client.get(url).json()
    assert body["status"] == "succeeded"
    assert body["pages"] == 1
    assert body["download_url"].endswith(reverse("export-download", args=[export.pk]))
    download = api_client.get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert f'filename="note-{user.pk}.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_strangers_get_404_on_status_download_and_pages(note_kind, api_client, client):
    owner, stranger = UserFactory(), UserFactory()
    export, _ = _request(owner)
    services.document_export_run(export_id=export.pk)
    api_client.force_authenticate(stranger)
    assert api_client.get(reverse("export-detail", args=[export.pk])).status_code == 404
    assert api_client.get(reverse("export-download", args=[export.pk])).status_code == 404
    api_client.force_authenticate(None)
    assert api_client.get(reverse("export-detail", args=[export.pk])).status_code == 404
    assert api_client.get(reverse("export-download", args=[export.pk])).status_code == 404
    client.force_login(stranger)
    assert client.get(reverse("core:export_detail", args=[export.pk])).status_code == 404
    assert client.get(reverse("core:export_status", args=[export.pk])).status_code == 404
    api_client.force_authenticate(owner)
    assert api_client.get(reverse("export-detail", args=[export.pk + 1000])).status_code == 404


def test_the_status_fragment_polls_until_the_job_has_finished(note_kind, client):
    user = UserFactory()
    export, _ = _request(user)
    client.force_login(user)
    url = reverse("core:export_status", args=[export.pk])
    pending = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in pending
    assert "<progress" in pending

    services.document_export_run(export_id=export.pk)
    done = client.get(url).content.decode()
    assert "hx-trigger" not in done
    assert reverse("export-download", args=[export.pk]) in done

    page = client.get(reverse("core:export_detail", args=[export.pk])).content.decode()
    assert reverse("export-download", args=[export.pk]) in page
    assert 'http-equiv="refresh"' not in page


def test_the_fetcher_serves_collected_hashed_files_but_nothing_outside_static_root(
    settings, tmp_path
):
    """In production {% static %} names hashed copies that exist only in STATIC_ROOT."""
    root = tmp_path / "collected"
    (root / "pdf").mkdir(parents=True)
    (root / "pdf" / "document.0123abcd.css").write_text("h1 { color: rgb(1, 2, 3); }")
    (tmp_path / "secret.css").write_text("h1 { color: red; }")
    settings.STATIC_ROOT = str(root)
    rendered = html_to_pdf(
        """<html><head>
        <link rel="stylesheet" href="/static/pdf/document.0123abcd.css">
        <link rel="stylesheet" href="/static/pdf/../../secret.css">
        <link rel="stylesheet" href="/static/pdf/%2e%2e/%2e%2e/secret.css">
        </head><body><h1>Заголовок</h1></body></html>"""
    )
    # The hashed stylesheet was served; both ways out of the static root were refused.
    assert len(rendered.refused_urls) == 2
    assert all("secret.css" in url for url in rendered.refused_urls)


def test_the_template_version_follows_the_files_that_shape_the_document(tmp_path):
    from core.documents.registry import files_fingerprint

    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "document.css").write_text("body { font-size: 14pt; }")
    (tmp_path / "charts.py").write_text("FONT = 'PT Sans'")
    before = files_fingerprint(tmp_path / "pdf", tmp_path / "charts.py")
    assert before == files_fingerprint(tmp_path / "pdf", tmp_path / "charts.py")
    (tmp_path / "pdf" / "document.css").write_text("body { font-size: 13pt; }")
    assert files_fingerprint(tmp_path / "pdf", tmp_path / "charts.py") != before
