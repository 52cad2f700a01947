"""Thin Celery wrappers: take ids or nothing, call one service."""

from celery import shared_task

from municipalities.imports.towns import municipality_link_towns


@shared_task(name="municipalities.link_towns")
def link_towns() -> int:
    """Re-link towns to municipalities and pick each municipality's main town."""
    return municipality_link_towns()
