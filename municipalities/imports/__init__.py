"""Importers of the registry: towns (the ru-cities list) and indicator values (CSV, XLSX)."""

from municipalities.imports.indicators import indicator_values_import
from municipalities.imports.report import ImportReport, RowError, TownImportReport
from municipalities.imports.towns import municipality_link_towns, towns_import

__all__ = [
    "ImportReport",
    "RowError",
    "TownImportReport",
    "indicator_values_import",
    "municipality_link_towns",
    "towns_import",
]
