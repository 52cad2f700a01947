"""Tables from uploaded files: CSV in whatever encoding and separator a spreadsheet saved it
with, or XLSX. Rows are streamed, never all held in memory, each with its line number in the
file (the header being line 1) so that a report can point at it."""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.utils.translation import gettext

from core.exceptions import ApplicationError

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})

# Enough to hold the header and to tell UTF-8 from Windows-1251 by the Cyrillic in it.
_SAMPLE_SIZE = 64 * 1024
_DELIMITERS = (",", ";", "\t")

# A cell as it comes from a file: always text from a CSV; text, numbers, dates or None from
# an XLSX sheet.
Cell = Any
Row = Sequence[Cell]


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, Row]]  # (line, cells) of every non-blank data row
    file_format: str


@contextmanager
def open_table(file: IO[bytes], filename: str) -> Iterator[Table]:
    """Open ``file`` as a table, by the extension of ``filename``. Raises ApplicationError
    when it cannot be read as one: unknown extension, empty, undecodable, corrupt."""
    extension = PurePath(filename).suffix.lower()
    if extension in CSV_EXTENSIONS:
        yield _csv_table(file)
    elif extension in XLSX_EXTENSIONS:
        with _xlsx_table(file) as table:
            yield table
    else:
        raise ApplicationError(
            gettext("Unsupported file type “%(name)s”: upload a CSV or XLSX file.")
            % {"name": filename},
            code="unsupported_file",
        )


def header_text(cell: Cell) -> str:
    """A header cell as text; Excel stores a year heading such as 2020 as the number 2020.0."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip().lstrip("\ufeff")


def _empty_file() -> ApplicationError:
    return ApplicationError(gettext("The file is empty."), code="empty_file")


# --- CSV -----------------------------------------------------------------------------------


def _csv_table(file: IO[bytes]) -> Table:
    sample = file.read(_SAMPLE_SIZE)
    if not sample:
        raise _empty_file()
    encoding = _detect_encoding(sample, complete=len(sample) < _SAMPLE_SIZE)
    text_sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)
    delimiter = _detect_delimiter(text_sample)
    stream = io.TextIOWrapper(
        io.BufferedReader(_Replay(sample, file), buffer_size=_SAMPLE_SIZE),
        encoding=encoding,
        newline="",
    )
    reader = csv.reader(stream, delimiter=delimiter)
    rows = _csv_rows(reader, encoding)
    first = next(rows, None)
    if first is None:
        raise _empty_file()
    shown = {"\t": "tab"}.get(delimiter, delimiter)
    return Table(
        header=[header_text(cell) for cell in first[1]],
        rows=rows,
        file_format=f"CSV, {encoding.removesuffix('-sig')}, «{shown}»",
    )


def _detect_encoding(sample: bytes, *, complete: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text"
    try:
        # An incremental decoder forgives a character cut in two at the end of the sample.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        # Russian Excel and 1C save CSV in Windows-1251; it decodes almost any byte, so it
        # can only be the fallback.
        return "cp1251"
    return "utf-8"


def _detect_delimiter(text: str) -> str:
    """The separator is the character the header line uses most; a one-column file gets the
    comma. Counting on the header only keeps decimal commas in the data out of the vote."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(reader: Any, encoding: str) -> Iterator[tuple[int, Row]]:
    try:
        for fields in reader:
            # A row of empty cells (",,,") is blank too; the first cell settles most rows.
            if fields and (fields[0] or any(fields)):
                yield reader.line_num, fields
    except UnicodeDecodeError as exc:
        raise ApplicationError(
            gettext("The file is not valid %(encoding)s text after line %(line)d.")
            % {"encoding": encoding, "line": reader.line_num},
            code="undecodable_file",
        ) from exc
    except csv.Error as exc:
        raise ApplicationError(
            gettext("The CSV file is malformed at line %(line)d: %(error)s")
            % {"line": reader.line_num + 1, "error": exc},
            code="malformed_file",
        ) from exc


class _Replay(io.RawIOBase):
    """The sample already read, then the rest of the upload: no seek needed, so any file-like
    object with ``read`` will do (Django's uploads, sockets, pipes)."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# --- XLSX ----------------------------------------------------------------------------------


@contextmanager
def _xlsx_table(file: IO[bytes]) -> Iterator[Table]:
    # Imported here: openpyxl costs a noticeable start-up time that CSV imports need not pay.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise ApplicationError(
            gettext("The file cannot be read as an XLSX workbook."), code="unreadable_file"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        # Some writers store a wrong sheet size, and openpyxl would stop reading at it.
        sheet.reset_dimensions()
        rows = _xlsx_rows(sheet.iter_rows(values_only=True))
        first = next(rows, None)
        if first is None:
            raise _empty_file()
        yield Table(header=[header_text(cell) for cell in first[1]], rows=rows, file_format="XLSX")
    finally:
        workbook.close()


def _xlsx_rows(cells: Iterator[tuple[Cell, ...]]) -> Iterator[tuple[int, Row]]:
    # read_only sheets yield an empty tuple for each missing row, so the position is the line.
    for line, row in enumerate(cells, start=1):
        if any(cell is not None and cell != "" for cell in row):
            yield line, row
