"""Document kinds: what each app can have rendered, registered in its ``AppConfig.ready()``.

The pipeline in ``core.documents`` knows no app. An app describes a kind once: how to find the
subject by id, who may see it, what its content hash is (identical content + template version
→ the existing file is reused), and how to render it: a Django template plus a context builder
for PDF, or a writer for tabular formats (CSV, XLSX) that streams into a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
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


def files_fingerprint(*paths: Path | str) -> str:
    """A short hash of everything under ``paths`` (files, or folders walked in order), for
    a kind's ``template_version``: change a template, a stylesheet, a font, the compiled
    translations or the code that builds the context, and old files stop being reused —
    nobody has to remember to bump a number."""
    digest = hashlib.sha256()
    for root in map(Path, paths):
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for file in files:
            if file.suffix == ".pyc":
                continue
            digest.update(str(file.relative_to(root.parent)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
