"""Live results: what changes them, and a cache keyed by it.

Results change when a response is submitted (or removed), an invitation is added, or the
campaign itself changes (status, title, anonymity: its ``version``). ``results_state``
reads exactly that in one cheap query; its fingerprint keys the cache of the page and the
API — so administrators polling a running campaign share one computation per change instead
of one per poll — and is the content hash of the report and the exports, so that new
responses make a new file and no change reuses the old one.

A change of the registry (a municipality's kind or main town) does not change the
fingerprint; cached results live ``CACHE_SECONDS`` at most, so such a change shows within
minutes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.db.models import Count, IntegerField, Max, OuterRef, Subquery
from django.utils import translation

from surveys.models import Campaign, Invitation, Response
from surveys.results.compute import campaign_results

CACHE_SECONDS = 600


def results_state(campaign: Campaign) -> dict[str, Any]:
    """Everything the results depend on that can change while a campaign runs (one query)."""
    submitted = Response.objects.filter(
        campaign=OuterRef("pk"), status=Response.Status.SUBMITTED
    ).order_by()
    invitations = Invitation.objects.filter(campaign=OuterRef("pk")).order_by()
    row = (
        Campaign.objects.filter(pk=campaign.pk)
        .annotate(
            submitted=Subquery(
                submitted.values("campaign").annotate(n=Count("id")).values("n"),
                output_field=IntegerField(),
            ),
            last_submitted=Subquery(
                submitted.values("campaign").annotate(last=Max("submitted_at")).values("last")
            ),
            invited=Subquery(
                invitations.values("campaign").annotate(n=Count("id")).values("n"),
                output_field=IntegerField(),
            ),
        )
        .values(
            "pk",
            "status",
            "version",
            "title",
            "anonymous",
            "questionnaire_version_id",
            "submitted",
            "last_submitted",
            "invited",
        )
        .get()
    )
    last = row["last_submitted"]
    return {
        **row,
        "submitted": row["submitted"] or 0,
        "invited": row["invited"] or 0,
        "last_submitted": last.isoformat() if last else None,
    }


def results_fingerprint(campaign: Campaign) -> str:
    """sha256 (hex) of ``results_state``."""
    canonical = json.dumps(results_state(campaign), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def campaign_results_live(
    *, campaign: Campaign, breakdown: bool = True
) -> tuple[dict[str, Any], str]:
    """``campaign_results`` from the cache while nothing has changed, else computed (and
    cached). Returns the results and their fingerprint."""
    fingerprint = results_fingerprint(campaign)
    # Labels of breakdown groups are translated: one entry per language.
    key = (
        f"surveys:results:{campaign.pk}:{int(breakdown)}:"
        f"{translation.get_language() or ''}:{fingerprint}"
    )
    results = cache.get(key)
    if results is None:
        results = campaign_results(campaign=campaign, breakdown=breakdown)
        cache.set(key, results, CACHE_SECONDS)
    return results, fingerprint
