"""What an import did, row by row where it matters: one report shape for every importer, so
that the command, the upload page and the API show the same thing."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

# A file that is wrong throughout (say, a wrong indicator code on a million lines) must not
# turn the report into a million lines nor hold them all in memory: the first MAX_ERRORS are
# listed and the rest only counted.
MAX_ERRORS = 1000


@dataclass(frozen=True)
class RowError:
    """A refused row: ``line`` is the 1-based line of the file, the header being line 1."""

    line: int
    message: str


@dataclass
class ImportReport:
    filename: str = ""
    dry_run: bool = False
    file_format: str = ""  # "CSV, utf-8, «;»" or "XLSX"
    layout: str = ""  # "long" or "wide" for indicator files
    rows: int = 0  # data rows read: the header and blank lines are not rows
    values: int = 0  # values found in those rows (a wide row holds several)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # gaps: blank values, never stored as zero
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # rows with errors; may exceed len(errors), see MAX_ERRORS
    ignored_columns: list[str] = field(default_factory=list)
    _last_error_line: int = field(default=0, init=False, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def add_error(self, line: int, message: str) -> None:
        """Record a problem of the row at ``line``. The problems of one row make one entry,
        so that ``error_count`` counts bad rows."""
        if line == self._last_error_line:
            if self.errors and self.errors[-1].line == line:
                self.errors[-1] = RowError(line, f"{self.errors[-1].message} {message}")
            return
        self._last_error_line = line
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(line, message))

    def finish(self) -> None:
        """Sort the errors by line, joining the problems of a row found at different stages
        (a value that is not a number on a line that is also a duplicate)."""
        merged: list[RowError] = []
        for error in sorted(self.errors, key=lambda error: error.line):
            if merged and merged[-1].line == error.line:
                merged[-1] = RowError(error.line, f"{merged[-1].message} {error.message}")
                self.error_count -= 1
            else:
                merged.append(error)
        self.errors = merged

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "file_format": self.file_format,
            "layout": self.layout,
            "rows": self.rows,
            "values": self.values,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "error_count": self.error_count,
            "errors_truncated": self.errors_truncated,
            "errors": [{"line": e.line, "message": e.message} for e in self.errors],
            "ignored_columns": self.ignored_columns,
        }

    def summary(self) -> list[str]:
        """The report as lines of text, for the management commands."""
        lines = [self._file_line()]
        if self.ignored_columns:
            lines.append(
                gettext("Columns ignored: %(columns)s")
                % {"columns": ", ".join(self.ignored_columns)}
            )
        lines.append(
            gettext("Rows read: %(rows)d; values: %(values)d; gaps skipped: %(skipped)d")
            % {"rows": self.rows, "values": self.values, "skipped": self.skipped}
        )
        if self.ok:
            if self.dry_run:
                template = gettext(
                    "Would be created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d"
                )
            else:
                template = gettext(
                    "Created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d"
                )
            lines.append(
                template
                % {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
            )
        lines.extend(self._error_lines())
        if self.dry_run or not self.ok:
            lines.append(gettext("Nothing was written."))
        return lines

    def _file_line(self) -> str:
        return gettext("File: %(name)s (%(format)s)") % {
            "name": self.filename,
            "format": self.file_format,
        }

    def _error_lines(self, title: str = "") -> list[str]:
        if not self.error_count:
            return []
        lines = [(title or gettext("Errors: %(count)d")) % {"count": self.error_count}]
        lines += [
            "  " + gettext("line %(line)d: %(message)s") % {"line": e.line, "message": e.message}
            for e in self.errors
        ]
        if self.errors_truncated:
            lines.append(
                "  "
                + gettext("… and %(count)d more") % {"count": self.error_count - len(self.errors)}
            )
        return lines


@dataclass
class TownImportReport(ImportReport):
    """The towns import keeps what it can and rejects the rest, so ``errors`` are the rejected
    rows and the import still happens; ``repaired`` counts imported rows whose OKTMO or OKATO
    had lost its leading zero."""

    repaired: int = 0
    repaired_oktmo: int = 0
    repaired_okato: int = 0
    # code -> [(line, town name), ...] for every code found on more than one row
    shared_codes: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    linked: int = 0  # links changed by municipality_link_towns()

    @property
    def rejected(self) -> int:
        return self.error_count

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "rejected": self.rejected,
            "repaired": self.repaired,
            "repaired_oktmo": self.repaired_oktmo,
            "repaired_okato": self.repaired_okato,
            "shared_codes": {
                code: [{"line": line, "name": name} for line, name in rows]
                for code, rows in self.shared_codes.items()
            },
            "linked": self.linked,
        }

    def summary(self) -> list[str]:
        lines = [
            self._file_line(),
            gettext(
                "Created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d, "
                "rejected: %(rejected)d"
            )
            % {
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "rejected": self.rejected,
            },
            gettext(
                "%(created)d created + %(updated)d updated + %(unchanged)d unchanged + "
                "%(rejected)d rejected = %(total)d of %(rows)d rows read"
            )
            % {
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "rejected": self.rejected,
                "total": self.created + self.updated + self.unchanged + self.rejected,
                "rows": self.rows,
            },
            gettext(
                "Repaired (lost leading zero restored): %(rows)d rows; OKTMO %(oktmo)d, "
                "OKATO %(okato)d"
            )
            % {"rows": self.repaired, "oktmo": self.repaired_oktmo, "okato": self.repaired_okato},
        ]
        if self.shared_codes:
            lines.append(gettext("Codes shared by several rows:"))
            for code, rows in self.shared_codes.items():
                towns = ", ".join(
                    gettext("%(name)s (line %(line)d)") % {"name": name, "line": line}
                    for line, name in rows
                )
                lines.append(f"  {code}: {towns}")
        lines.extend(self._error_lines(gettext("Rejected rows: %(count)d")))
        lines.append(
            gettext("Links of towns and main towns changed: %(count)d") % {"count": self.linked}
        )
        return lines
