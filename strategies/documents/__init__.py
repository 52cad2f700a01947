"""The strategy as a printable document: the ``strategy`` kind of ``core.documents``.

``build_context`` gathers everything the PDF shows in a fixed number of queries whatever the
size of the strategy; ``content_hash`` fingerprints exactly that, so that an unchanged
strategy reuses its file and any change of what is printed (text, plan, status, a sign-off)
makes a new one. The template is ``templates/strategies/pdf/strategy.html``.

The document is Russian whatever the requester's language: the context (labels, charts) is
built under ``translation.override("ru")`` and the template renders inside
``{% language "ru" %}``.

The package, one concern a module: ``constants`` (the kind's name, template, language and
version), ``parts`` (the dataclasses of the context), ``reads`` (the queries shared by the
context and the fingerprint), ``printing`` (sanitised bodies, numbers and charts for the
PDF), ``redline`` (the changes appendix), ``context`` (``build_context``) and ``kind``
(``content_hash``, the file's name and the registration).
"""

from strategies.documents.constants import KIND, TEMPLATE_VERSION
from strategies.documents.constants import LANGUAGE as LANGUAGE
from strategies.documents.constants import TEMPLATE as TEMPLATE
from strategies.documents.context import _budgets as _budgets
from strategies.documents.context import _build_context as _build_context
from strategies.documents.context import _plan as _plan
from strategies.documents.context import _sections as _sections
from strategies.documents.context import _targets as _targets
from strategies.documents.context import build_context
from strategies.documents.kind import _TRANSLIT as _TRANSLIT
from strategies.documents.kind import FILENAME_LENGTH as FILENAME_LENGTH
from strategies.documents.kind import ascii_slug as ascii_slug
from strategies.documents.kind import content_hash, filename, strategy_document_kind
from strategies.documents.kind import subject_url as subject_url
from strategies.documents.parts import Approval as Approval
from strategies.documents.parts import ApprovalLine as ApprovalLine
from strategies.documents.parts import BudgetRow as BudgetRow
from strategies.documents.parts import DocSection as DocSection
from strategies.documents.parts import GoalNode as GoalNode
from strategies.documents.parts import MeasureLine as MeasureLine
from strategies.documents.parts import ObjectiveNode as ObjectiveNode
from strategies.documents.parts import Part as Part
from strategies.documents.parts import ParticipantLine as ParticipantLine
from strategies.documents.parts import Redline as Redline
from strategies.documents.parts import RedlineEntry as RedlineEntry
from strategies.documents.parts import TargetBlock as TargetBlock
from strategies.documents.parts import _iso as _iso
from strategies.documents.printing import CHART_FONT as CHART_FONT
from strategies.documents.printing import CHART_HEIGHT as CHART_HEIGHT
from strategies.documents.printing import CHART_WIDTH as CHART_WIDTH
from strategies.documents.printing import MARKER_TOOLTIP as MARKER_TOOLTIP
from strategies.documents.printing import PDF_ATTRIBUTES as PDF_ATTRIBUTES
from strategies.documents.printing import PDF_TAGS as PDF_TAGS
from strategies.documents.printing import _figure as _figure
from strategies.documents.printing import _for_print as _for_print
from strategies.documents.printing import pdf_body
from strategies.documents.reads import _approval as _approval
from strategies.documents.reads import _base_round as _base_round
from strategies.documents.reads import _participants as _participants
from strategies.documents.reads import _person as _person
from strategies.documents.reads import _strategy as _strategy
from strategies.documents.redline import REDLINE_CONTEXT as REDLINE_CONTEXT
from strategies.documents.redline import _redline as _redline
from strategies.documents.redline import redline_diff as redline_diff

__all__ = [
    "KIND",
    "TEMPLATE_VERSION",
    "build_context",
    "content_hash",
    "filename",
    "pdf_body",
    "strategy_document_kind",
]
