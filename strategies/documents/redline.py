"""The changes appendix: what changed in the section texts since the last approved snapshot."""

import difflib

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from strategies import content
from strategies.documents.parts import Redline, RedlineEntry
from strategies.models import ApprovalRound, Section

# Words of unchanged text kept around each change in the redline; longer unchanged runs are
# shortened to "…", so that the appendix shows the changes, not the whole text again.
REDLINE_CONTEXT = 12


def redline_diff(old_html: str, new_html: str, context: int = REDLINE_CONTEXT) -> SafeString:
    """``content.word_diff`` with long unchanged passages shortened to their ends."""
    old, new = content.body_text(old_html).split(), content.body_text(new_html).split()
    opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    parts: list[str] = []
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op == "equal":
            words = old[a1:a2]
            head = words[:context] if index > 0 else []
            tail = words[-context:] if index < len(opcodes) - 1 else []
            if len(words) > len(head) + len(tail):
                words = [*head, "…", *tail] if head or tail else ["…"]
            parts.append(escape(" ".join(words)))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(' '.join(old[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(' '.join(new[b1:b2]))}</ins>")
    return mark_safe(" ".join(parts))  # noqa: S308 - every word escaped above


def _redline(base: ApprovalRound | None, sections: list[Section]) -> Redline | None:
    """What changed in the section texts since the ``base`` snapshot: sections changed (a
    word diff), added (all inserted) and removed (all deleted), in document order."""
    if base is None:
        return None
    old = {s["id"]: s for s in (base.snapshot or {}).get("sections", [])}
    entries: list[RedlineEntry] = []
    for section in sections:
        before = old.pop(section.pk, None)
        if before is None:
            entries.append(RedlineEntry(section.title, "", "added", redline_diff("", section.body)))
        elif before["title"] != section.title or content.body_text(
            before["body"]
        ) != content.body_text(section.body):
            entries.append(
                RedlineEntry(
                    section.title,
                    before["title"] if before["title"] != section.title else "",
                    "changed",
                    redline_diff(before["body"], section.body),
                )
            )
    for before in old.values():
        entries.append(
            RedlineEntry(before["title"], "", "removed", redline_diff(before["body"], ""))
        )
    return Redline(base.number, base.closed_at, entries)
