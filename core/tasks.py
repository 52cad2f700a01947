"""Thin Celery wrappers of the document pipeline: take ids, call one service."""

from celery import shared_task

from core import outbox
from core.documents import services


# acks_late + reject_on_worker_lost (also the project defaults): a worker killed mid-render
# puts the message back, and the row's attempt counter stops a job that kills every worker.
@shared_task(name="core.render_document_export", acks_late=True, reject_on_worker_lost=True)
def render_document_export(export_id: int) -> str:
    export = services.document_export_run(export_id=export_id)
    return export.status if export is not None else "missing"


@shared_task(name="core.sweep_document_exports")
def sweep_document_exports() -> int:
    return services.document_exports_sweep()


@shared_task(name="core.run_outbox_message", acks_late=True, reject_on_worker_lost=True)
def run_outbox_message(message_id: int) -> str:
    message = outbox.outbox_run(message_id=message_id)
    return message.status if message is not None else "missing"


@shared_task(name="core.sweep_outbox")
def sweep_outbox() -> int:
    return outbox.outbox_sweep()
