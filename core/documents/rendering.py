"""HTML → PDF with WeasyPrint, fetching nothing but the project's own static files.

Documents embed text that people typed. Whatever slips into a section body — an ``<img>``
pointing at ``file:///etc/passwd``, at a service on localhost or at the cloud metadata
address — must not make the worker read a file or open a connection (SSRF). So the fetcher
serves exactly two things: files found by Django's static files finders under our fixed
base URL, and ``data:`` URIs. Everything else is refused before any I/O; redirects cannot
happen because nothing goes over the network. WeasyPrint ≥ 68 is required: earlier versions
followed redirects past a custom fetcher.
"""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from core.documents.registry import DocumentKind

# Relative URLs in document templates ({% static %} gives /static/...) resolve against this
# base. The .invalid top-level domain can never resolve (RFC 2606), so even a bug in the
# fetcher could not turn it into a network request.
DOCUMENT_BASE_URL = "https://static.jointplan.invalid/"


class RefusedURL(ValueError):
    """The document asked for something outside the allow-list; WeasyPrint skips it."""


class StaticOnlyURLFetcher(URLFetcher):
    def __init__(self) -> None:
        # Only data: goes through urllib's DataHandler; redirects are off in any case.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        static_prefix = DOCUMENT_BASE_URL + settings.STATIC_URL.lstrip("/")
        if url.startswith(static_prefix):
            relative = unquote(urlsplit(url).path).removeprefix(urlsplit(static_prefix).path)
            path = _find_static(relative)
            if path is not None:
                content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                with open(path, "rb") as handle:
                    return URLFetcherResponse(
                        url, handle.read(), headers={"Content-Type": content_type}
                    )
        self.refused.append(url)
        raise RefusedURL(f"refused: {url[:200]}")


def _find_static(relative: str) -> str | None:
    """The file behind a static URL: in the source directories (development, tests, demo),
    else among the collected files — in production ``{% static %}`` names the hashed copies
    that only ``collectstatic`` wrote into STATIC_ROOT."""
    if not relative or relative.startswith("/") or ".." in relative.split("/"):
        return None
    found = finders.find(relative)
    if isinstance(found, str):
        return found
    root = Path(settings.STATIC_ROOT).resolve()
    collected = (root / relative).resolve()
    if collected.is_relative_to(root) and collected.is_file():
        return str(collected)
    return None


@dataclass
class RenderedPdf:
    content: bytes
    pages: int
    timings: dict[str, float] = field(default_factory=dict)
    refused_urls: list[str] = field(default_factory=list)


def render_document_html(kind: DocumentKind, subject: Any) -> tuple[str, dict[str, float]]:
    """The document's HTML, always in Russian (it is an official document, whatever language
    the person who asked for it reads the site in)."""
    if kind.build_context is None:
        raise ValueError(f"document kind {kind.name!r} has no PDF template")
    started = time.perf_counter()
    with translation.override("ru"):
        context = dict(kind.build_context(subject))
        built = time.perf_counter()
        html = render_to_string(kind.template, context)
    done = time.perf_counter()
    return html, {"context": round(built - started, 4), "html": round(done - built, 4)}


def html_to_pdf(html: str) -> RenderedPdf:
    fetcher = StaticOnlyURLFetcher()
    started = time.perf_counter()
    document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=fetcher).render()
    laid_out = time.perf_counter()
    content = document.write_pdf()
    written = time.perf_counter()
    return RenderedPdf(
        content=content,
        pages=len(document.pages),
        timings={"layout": round(laid_out - started, 4), "write": round(written - laid_out, 4)},
        refused_urls=fetcher.refused,
    )
