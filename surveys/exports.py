"""All responses of a campaign as a table: the CSV and XLSX writers of the ``campaign_report``
document kind (``surveys.documents``), run by the document pipeline's Celery task.

One row per submitted response, oldest first; the columns: a running number, when it was
submitted, the municipality (its OKTMO and name ONLY in campaigns that are not anonymous,
then its kind, the size class of its main town and its region), the respondent's name,
position and e-mail ONLY in campaigns that are not anonymous, then the questions of the
frozen version:

- single choice: the chosen option's text;
- multiple choice: one column per option, 1 when chosen and 0 when not (empty when the
  question was not answered at all);
- scale and number: the number; short and long text: the text;
- matrix: one column per row with its rating;
- the "other, please specify" text of a choice question: a column of its own.

An anonymous campaign usually invites one official per municipality (its head), so the
municipality's name or OKTMO would name the respondent; its groups (kind, size class,
region) are what results break down by and stay.

Memory stays flat whatever the number of responses: responses are read with a server-side
cursor in chunks of ``CHUNK_SIZE`` (only the columns needed, answers as JSON) and written
row by row — the CSV through a text wrapper straight into the output file, the XLSX through
openpyxl's write-only workbook, which keeps rows in a temporary file rather than in memory.

Spreadsheet formula injection: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return would be run as a formula by Excel or LibreOffice when the file is
opened (OWASP "CSV injection"). Every such STRING — an answer, an option or a question text,
a name — gets a leading apostrophe, and in the XLSX every string is stored as a string,
never as a formula. Numbers stay numbers: a negative number is a number, not a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from municipalities.models import Municipality
from municipalities.size_classes import SizeClass
from surveys.answers import OTHER_SUFFIX
from surveys.models import Campaign, QuestionnaireVersion, QuestionType, Response

CHUNK_SIZE = 2000
# The documents are Russian, as the PDF report is, whoever asked for them.
LANGUAGE = "ru"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_LENGTH = 31  # Excel's limit

Cell = str | int | float | datetime | None


def neutralise(value: Any) -> Any:
    """``value`` safe to put in a spreadsheet: a string that a spreadsheet would read as a
    formula gets a leading apostrophe; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    header: str
    # How to read the cell from one response's answers.
    question_id: int | None = None
    kind: str = ""  # "value", "option_text", "chosen", "other", "matrix_row"
    item_id: int | None = None


def question_columns(schema: Mapping[str, Any]) -> list[Column]:
    """The answer columns of a version, in the order of its questions."""
    columns: list[Column] = []
    for number, question in enumerate(schema.get("questions", []), start=1):
        qid, kind = question["id"], question["type"]
        title = f"{number}. {question['text']}"
        if kind == QuestionType.SINGLE_CHOICE:
            columns.append(Column(title, qid, "option_text"))
        elif kind == QuestionType.MULTIPLE_CHOICE:
            columns += [
                Column(f"{title}: {option['text']}", qid, "chosen", option["id"])
                for option in question["options"]
            ]
        elif kind == QuestionType.MATRIX:
            columns += [
                Column(f"{title}: {row['text']}", qid, "matrix_row", row["id"])
                for row in question["rows"]
            ]
        else:
            columns.append(Column(title, qid, "value"))
        if question.get("has_other") and kind in (
            QuestionType.SINGLE_CHOICE,
            QuestionType.MULTIPLE_CHOICE,
        ):
            columns.append(Column(f"{title}: {_('other (own answer)')}", qid, "other"))
    return columns


def _answer_cell(column: Column, answers: Mapping[str, Any], options: Mapping[int, str]) -> Cell:
    key = str(column.question_id)
    value = answers.get(key)
    if column.kind == "other":
        return answers.get(key + OTHER_SUFFIX)
    if column.kind == "option_text":
        return options.get(value) if value is not None else None
    if column.kind == "chosen":
        if value is None and key + OTHER_SUFFIX not in answers:
            return None  # the question was not answered at all
        return 1 if column.item_id in (value or []) else 0
    if column.kind == "matrix_row":
        return (value or {}).get(str(column.item_id))
    return value


def _labels(choices: type[Any]) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def response_table(campaign: Campaign) -> Iterator[list[Cell]]:
    """The header and then one row per submitted response, as plain Python values (not
    yet neutralised). Reads the responses in chunks through a server-side cursor."""
    schema = QuestionnaireVersion.objects.values_list("schema", flat=True).get(
        pk=campaign.questionnaire_version_id
    )
    columns = question_columns(schema)
    options = {
        option["id"]: option["text"]
        for question in schema.get("questions", [])
        for option in question["options"]
    }
    named = not campaign.anonymous
    kinds = _labels(Municipality.Kind)
    sizes = _labels(SizeClass)
    header: list[Cell] = ["№", _("Submitted")]
    if named:
        header += [_("OKTMO"), _("Municipality")]
    header += [_("Kind of municipality"), _("Size class of the main town"), _("Region")]
    if named:
        header += [_("Respondent"), _("Position"), _("E-mail")]
    yield header + [column.header for column in columns]

    fields = [
        "submitted_at",
        "answers",
        "invitation__municipality__kind",
        "invitation__municipality__main_town__size_class",
        "invitation__municipality__region__name",
    ]
    if named:
        fields += [
            "invitation__municipality__oktmo",
            "invitation__municipality__name",
            "invitation__name",
            "invitation__position",
            "invitation__email",
        ]
    responses = (
        Response.objects.filter(campaign=campaign, status=Response.Status.SUBMITTED)
        .order_by("submitted_at", "id")
        .values_list(*fields)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for number, (submitted_at, answers, kind, size, region, *named_cells) in enumerate(
        responses, start=1
    ):
        row: list[Cell] = [
            number,
            timezone.localtime(submitted_at).replace(tzinfo=None) if submitted_at else None,
        ]
        if named:
            oktmo, name, *person = named_cells
            row += [oktmo, name]
        row += [kinds.get(kind, kind), sizes.get(size, "") if size else "", region]
        if named:
            row += person
        answers = answers or {}
        row += [_answer_cell(column, answers, options) for column in columns]
        yield row


# --- CSV -------------------------------------------------------------------------------------


def _csv_cell(value: Cell) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return neutralise(value)


def write_responses_csv(campaign: Campaign, output: IO[bytes]) -> None:
    """The table as CSV: UTF-8 with a byte order mark (so that Excel reads Cyrillic right),
    comma-separated, decimal point."""
    with translation.override(LANGUAGE):
        text = io.TextIOWrapper(output, encoding="utf-8-sig", newline="")
        try:
            writer = csv.writer(text)
            for row in response_table(campaign):
                writer.writerow([_csv_cell(value) for value in row])
        finally:
            text.flush()
            # The pipeline owns and closes the file, not this wrapper.
            text.detach()


# --- XLSX ------------------------------------------------------------------------------------


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell) -> Any:
    if isinstance(value, str):
        # Characters that XML 1.0 forbids (control characters other than tab and line
        # breaks) would make openpyxl refuse the whole file.
        cell = WriteOnlyCell(sheet, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)))
        # Never a formula, whatever the text: openpyxl would otherwise take "=…" for one.
        cell.data_type = "s"
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    return value


def write_responses_xlsx(campaign: Campaign, output: IO[bytes]) -> None:
    """The table as one XLSX sheet, written row by row (openpyxl's write-only mode)."""
    with translation.override(LANGUAGE):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=_("Responses")[:SHEET_TITLE_LENGTH])
        rows = response_table(campaign)
        header = next(rows)
        sheet.freeze_panes = "A2"
        sheet.append([_xlsx_cell(sheet, value) for value in header])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
        workbook.save(output)


WRITERS: dict[str, Any] = {"csv": write_responses_csv, "xlsx": write_responses_xlsx}

__all__ = [
    "WRITERS",
    "neutralise",
    "question_columns",
    "response_table",
    "write_responses_csv",
    "write_responses_xlsx",
]
