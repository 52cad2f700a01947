"""Section text: sanitised rich text (the one rendering serves the page and the PDF), the
frozen snapshot of a strategy's content that approvers sign, and word-level diffs."""

import difflib
import hashlib
import json
import re
from decimal import Decimal
from html import unescape
from typing import Any

import nh3
from django.db.models import Prefetch
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from strategies.models import Goal, Measure, Objective, Section, Strategy, TargetIndicator

ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "br", "hr", "ul", "ol", "li", "strong", "em", "b", "i", "u", "s",
    "sub", "sup", "blockquote", "a", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
    "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
# Links may go to web pages and e-mail addresses only: no file:, data:, javascript: and no
# links relative to the site (an attachment URL would leak into the PDF).
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_body(html: str) -> str:
    """The stored form of a section body: only the allowlisted tags and attributes."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def render_body(html: str) -> SafeString:
    """Markup for a page or the PDF. Sanitised again on the way out, so that a row written
    before a tightening of the allowlist cannot slip through."""
    return mark_safe(sanitize_body(html))  # noqa: S308 - nh3 output


def body_text(html: str) -> str:
    """The words of a body as plain text: tags dropped, entities decoded (``&amp;`` is
    ``&``), so that whoever escapes the words escapes them once."""
    return re.sub(r"\s+", " ", unescape(strip_tags(html.replace("<", " <")))).strip()


def word_diff(old_html: str, new_html: str) -> SafeString:
    """The plain text of two bodies compared word by word: ``<del>`` and ``<ins>``."""
    old, new = body_text(old_html).split(), body_text(new_html).split()
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(old[a1:a2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(' '.join(old[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(' '.join(new[b1:b2]))}</ins>")
    return mark_safe(" ".join(parts))  # noqa: S308 - every word escaped above


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def strategy_snapshot(strategy: Strategy) -> dict[str, Any]:
    """Everything approvers sign, as plain JSON: participants, sections, the plan and the
    targets. A fixed number of queries whatever the size of the strategy."""
    sections = Section.objects.filter(strategy=strategy).order_by("position", "id")
    goals = Goal.objects.filter(strategy=strategy).prefetch_related(
        Prefetch(
            "objectives",
            queryset=Objective.objects.prefetch_related(
                Prefetch(
                    "measures",
                    queryset=Measure.objects.prefetch_related("responsible", "financing"),
                )
            ),
        )
    )
    targets = TargetIndicator.objects.filter(strategy=strategy).prefetch_related(
        "values", "contributions"
    )
    participations = strategy.participations.select_related("municipality").order_by("id")
    return {
        "title": strategy.title,
        "horizon": [strategy.start_year, strategy.end_year],
        "participants": [[p.municipality.oktmo, p.role] for p in participations],
        "sections": [
            {
                "id": s.pk,
                "parent": s.parent_id,
                "kind": s.kind,
                "title": s.title,
                "owner": s.owner_id,
                "body": s.body,
            }
            for s in sections
        ],
        "goals": [
            {
                "title": g.title,
                "description": g.description,
                "objectives": [
                    {
                        "title": o.title,
                        "description": o.description,
                        "measures": [
                            {
                                "title": m.title,
                                "description": m.description,
                                "expected_result": m.expected_result,
                                "years": [m.start_year, m.end_year],
                                "responsible": sorted(r.pk for r in m.responsible.all()),
                                "financing": sorted(
                                    [f.source, f.municipality_id or 0, f.year, _number(f.amount)]
                                    for f in m.financing.all()
                                ),
                            }
                            for m in o.measures.all()
                        ],
                    }
                    for o in g.objectives.all()
                ],
            }
            for g in goals
        ],
        "targets": [
            {
                "name": t.name,
                "unit": t.unit,
                "direction": t.direction,
                "objective": t.objective_id,
                "indicator": t.indicator_id,
                "baseline": [t.baseline_year, _number(t.baseline_value)],
                # Actuals are monitoring data, not signed content: a row that holds only an
                # actual must not move the hash.
                "values": [
                    [v.year, _number(v.target)] for v in t.values.all() if v.target is not None
                ],
                "contributions": sorted(
                    [c.municipality_id, c.year, _number(c.value)] for c in t.contributions.all()
                ),
            }
            for t in targets
        ],
    }


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
