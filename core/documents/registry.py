"""Document kinds: what each app can have rendered, registered in its ``AppConfig.ready()``.

The pipeline in ``core.documents`` knows no app. An app describes a kind once: how to find the
subject by id, who may see it, what its content hash is (identical content + template version
→ the existing file is reused), and how to render it: a Django template plus a context builder
for PDF, or a writer for tabular formats (CSV, XLSX) that streams into a file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.db.models import Model


@dataclass(frozen=True)
class DocumentKind:
    # Stored in DocumentExport.kind, e.g. "strategy" or "campaign_report".
    name: str
    # Human name, shown on pages ("Стратегия", "Отчёт об опросе"); a lazy translation.
    label: Any
    # The subject's model class; DocumentExport.object_id is its primary key.
    model: type[Model]
    # Bump whenever the template, its CSS or the context builder changes what is printed:
    # files rendered with an older template version are not reused.
    template_version: str
    # sha256 (hex) of everything the document shows. Called in the web request, keep it cheap.
    content_hash: Callable[[Any], str]
    # Who may request, poll and download: can_view(user, subject) -> bool.
    can_view: Callable[[Any, Any], bool]
    # File name offered to the browser (without directory): filename(subject, format) -> str.
    filename: Callable[[Any, str], str]
    # PDF: the template under templates/<app>/pdf/ and build_context(subject) -> dict.
    template: str = ""
    build_context: Callable[[Any], Mapping[str, Any]] | None = None
    # Other formats: {"xlsx": write(subject, binary_file) -> None}. Writers stream in chunks.
    writers: Mapping[str, Callable[[Any, IO[bytes]], None]] = field(default_factory=dict)
    # The subject's page, for the back link of the export page: subject_url(subject) -> str.
    subject_url: Callable[[Any], str] | None = None

    @property
    def formats(self) -> tuple[str, ...]:
        return (("pdf",) if self.template else ()) + tuple(self.writers)


_KINDS: dict[str, DocumentKind] = {}


def register_document_kind(kind: DocumentKind) -> None:
    if kind.template and kind.build_context is None:
        raise ValueError(f"document kind {kind.name!r}: a template needs build_context")
    _KINDS[kind.name] = kind


def get_document_kind(name: str) -> DocumentKind:
    return _KINDS[name]


def document_kinds() -> dict[str, DocumentKind]:
    return dict(_KINDS)
