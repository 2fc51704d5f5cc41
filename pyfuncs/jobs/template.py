"""Build a Facturier workbook from the schema: the template, or a workbook full of data.

XlsxWriter rather than openpyxl: it writes Excel Tables with calculated-column formulas,
data validation, frozen panes and (for the dashboard) native charts exactly as Excel
stores them, and writes 500k rows several times faster, which the demo and the
benchmarks need. The builder only ever creates new files; it never opens a user's
workbook (that is the surgical writer's job, adapters/xlsx_write.py).
"""
from __future__ import annotations

import functools
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from pyfuncs.adapters.paths import macro_sources
from pyfuncs.adapters.vba_project import buttons_project
from pyfuncs.adapters.xlsx_print import header_width, is_wide
from pyfuncs.domain import schema as S
from pyfuncs.domain.computed import compute_all, rows_to_columns

EXTRA_DV_ROWS = 500  # validation reaches below a table, where Excel extends it as users type


def _cell_value(col_type: str, choices: str | None, value: object, lang: str) -> object:
    """Python value -> what the cell holds: numbers as float, choices as labels."""
    if value is None:
        return None
    if choices is not None and col_type in (S.CHOICE, S.BOOL):
        return S.choice_label(choices, str(value), lang)
    if isinstance(value, Decimal):
        return float(value)
    return value


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.cache: dict[str, object] = {}
        self.header = book.add_format({"bold": True, "bg_color": "#1F4E78",
                                       "font_color": "#FFFFFF", "text_wrap": True,
                                       "valign": "top"})
        self.title = book.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E78"})
        self.note = book.add_format({"italic": True, "font_color": "#595959"})
        self.computed_header = book.add_format({"bold": True, "bg_color": "#7F7F7F",
                                                "font_color": "#FFFFFF", "text_wrap": True,
                                                "valign": "top"})

    def number(self, fmt: str | None) -> object:
        key = fmt or ""
        if key not in self.cache:
            self.cache[key] = self.book.add_format({"num_format": fmt} if fmt else {})
        return self.cache[key]


def _validation(ws, tbl: S.Table, col: S.Column, idx: int, first: int, last: int,
                lang: str) -> None:
    """Data validation on a column: allowed values, client codes, rates, dates."""
    opts = validation_options(col, lang)
    if opts is not None:
        ws.data_validation(first, idx, last, idx, opts)


def validation_options(col: S.Column, lang: str) -> dict[str, object] | None:
    """The data validation of an input column (XlsxWriter's options), or None: what a new
    workbook has, and what `facturier upgrade` gives a column it adds."""
    if col.computed:
        return None
    opts: dict[str, object] | None = None
    if col.choices:
        opts = {"validate": "list", "source": S.choice_labels(col.choices, lang)}
    elif col.ref:
        target, _, key = col.ref.partition(".")
        ttbl = S.table(target)
        label = ttbl.column(key or ttbl.key[0]).label(lang)
        opts = {"validate": "list", "source": f'=INDIRECT("{target}[{label}]")'}
    elif col.type == S.RATE:
        opts = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
                "error_message": "0 % à 100 %" if lang == "fr" else "0 % to 100 %"}
    elif col.type == S.DATE:
        opts = {"validate": "date", "criteria": "between", "minimum": date(2000, 1, 1),
                "maximum": date(2100, 12, 31)}
    elif col.type in (S.MONEY, S.NUMBER):
        opts = {"validate": "decimal", "criteria": "between", "minimum": -1e12,
                "maximum": 1e12}
    if opts is None:
        return None
    help_text = col.help_fr if lang == "fr" else col.help_en
    if help_text:
        opts["input_title"] = col.label(lang)[:32]
        opts["input_message"] = help_text[:255]
    return opts


def _write_table(ws, book, fmts: _Formats, tbl: S.Table, rows: Sequence[Mapping[str, object]],
                 computed: Mapping[str, list], lang: str) -> None:
    first_col = tbl.first_col
    n = max(1, len(rows))
    columns = []
    for col in tbl.columns:
        spec: dict[str, object] = {"header": col.label(lang),
                                   "format": fmts.number(col.number_format),
                                   "header_format": fmts.computed_header if col.computed
                                   else fmts.header}
        if col.computed:
            spec["formula"] = "=" + S.render_formula(tbl, col, lang)
        columns.append(spec)
    last_col = first_col + len(tbl.columns) - 1
    ws.add_table(0, first_col, n, last_col, {
        "name": tbl.name, "columns": columns, "style": "Table Style Light 9",
        "autofilter": True})
    for j, col in enumerate(tbl.columns):
        c = first_col + j
        ws.set_column(c, c, col.width)
        fmt = fmts.number(col.number_format)
        if col.computed:
            formula = "=" + S.render_formula(tbl, col, lang)
            values = computed.get(col.key)
            if values is not None:
                for i, value in enumerate(values):
                    ws.write_formula(i + 1, c, formula, fmt, _cell_value(col.type, None,
                                                                        value, lang))
            continue
        for i, row in enumerate(rows):
            value = _cell_value(col.type, col.choices, row.get(col.key), lang)
            if value is None:
                continue
            if isinstance(value, str):
                ws.write_string(i + 1, c, value, fmt)  # never a formula, whatever it starts with
            elif isinstance(value, (date, datetime)):
                ws.write_datetime(i + 1, c, value, fmt)
            elif isinstance(value, bool):
                ws.write_boolean(i + 1, c, value, fmt)
            else:
                ws.write_number(i + 1, c, value, fmt)
        _validation(ws, tbl, col, c, 1, n + EXTRA_DV_ROWS, lang)


def _settings_rows(values: Mapping[str, object], lang: str) -> list[dict[str, object]]:
    rows = []
    for s in S.SETTINGS:
        value = values.get(s.key, s.default)
        if s.choices and value is not None:
            value = S.choice_label(s.choices, str(value), lang)
        rows.append({"key": s.key, "label": s.label(lang), "value": value,
                     "help": s.help_fr if lang == "fr" else s.help_en})
    return rows


def default_tables() -> dict[str, list[dict[str, object]]]:
    """Rows a new workbook ships with: reminder levels and penalty rates."""
    levels = [dict(zip(("level", "days", "tone", "template", "attach_invoice", "cc_owner"), r))
              for r in S.DEFAULT_REMINDER_LEVELS]
    rates: list[dict[str, object]] = [
        {"start": date.fromisoformat(a), "end": date.fromisoformat(b),
         "ecb_rate": Decimal(e), "penalty_rate": Decimal(p),
         "legal_rate": Decimal(legal) if legal else None}
        for a, b, e, p, legal in S.DEFAULT_PENALTY_RATES]
    return {"NiveauxRelance": levels, "TauxPenalite": rates}


def _output_sheet(ws, fmts: _Formats, sheet: S.Sheet, lang: str) -> None:
    ws.set_tab_color("#7F7F7F")
    note = ("Feuille écrite par Facturier : ne pas la modifier, elle est réécrite à chaque "
            "exécution." if lang == "fr" else
            "Sheet written by Facturier: do not edit, it is rewritten on every run.")
    ws.write_string(0, 0, sheet.label(lang), fmts.title)
    ws.write_string(1, 0, note, fmts.note)
    widths = []
    for j, col in enumerate(sheet.columns):
        ws.write_string(2, j, col.label(lang), fmts.header)
        widths.append(max(col.width, header_width(col.label(lang))))
        ws.set_column(j, j, widths[-1])
    # A4, fitted to the page's width, the header repeated on every page; the dashboard
    # and its charts on one page (the same set-up the writer gives a sheet without one)
    if sheet.key == "aging":
        widths += [12.0] * S.DASHBOARD_BUCKETS  # the bucket columns the job adds
    ws.set_paper(9)
    if is_wide(widths) or sheet.key == "dashboard":
        ws.set_landscape()
    if sheet.key == "dashboard":
        ws.fit_to_pages(1, 1)
    else:
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2)
    ws.freeze_panes(3, 0)


@functools.cache
def vba_project() -> bytes:
    """The VBA project of a macro-enabled workbook: built from macros/*.bas and the
    installed xlwings' standalone modules, so RunPython matches the xlwings that runs it."""
    return buttons_project(macro_sources())


# The dashboard's buttons: (macro of macros/Facturier.bas, French caption, English caption)
BUTTONS = (
    ("GenererFactures", "Générer les factures", "Generate invoices"),
    ("Controler", "Contrôler", "Check"),
    ("ActualiserBalance", "Actualiser la balance âgée", "Refresh the aged balance"),
    ("PreparerRelances", "Préparer les relances", "Prepare reminders"),
    ("EnvoyerRelances", "Envoyer les relances", "Send reminders"),
    ("EnvoyerFactures", "Envoyer les factures", "Send invoices"),
    ("ImporterReleve", "Importer un relevé", "Import a statement"),
    ("TransmettrePlateforme", "Transmettre à la plateforme", "Transmit to the platform"),
    ("MettreAJourStatuts", "Mettre à jour les statuts", "Update the statuses"),
)


def _buttons(book, ws, lang: str) -> None:
    """A macro-enabled workbook carries the VBA project and the buttons that run it."""
    book.add_vba_project(io.BytesIO(vba_project()), is_stream=True)
    for k, (macro, fr, en) in enumerate(BUTTONS):
        ws.insert_button(3 + 2 * k, 9, {"macro": macro, "caption": fr if lang == "fr" else en,
                                        "width": 200, "height": 30})


# The value axis of the aged balance's chart: thousands grouped as the reader's locale
# groups them (a space in French), whole euros.
CHART_MONEY = '#,##0 "€"'


def _dashboard_charts(book, ws, lang: str) -> None:
    """Native Excel charts over the fixed blocks the jobs write into the dashboard."""
    name = S.sheet_name("dashboard", lang).replace("'", "''")
    first = S.DASHBOARD_FIRST_ROW - 1  # 0-based
    last_bucket = first + S.DASHBOARD_BUCKETS - 1
    last_month = first + S.DASHBOARD_MONTHS - 1
    bars = book.add_chart({"type": "column"})
    bars.add_series({"name": "Balance âgée" if lang == "fr" else "Aged balance",
                     "categories": [name, first, 3, last_bucket, 3],
                     "values": [name, first, 4, last_bucket, 4],
                     "fill": {"color": "#1F4E78"}})
    bars.set_title({"name": "Créances par ancienneté" if lang == "fr" else
                    "Receivables by age"})
    bars.set_legend({"none": True})
    bars.set_y_axis({"num_format": CHART_MONEY})  # 140 000 €, not 140000
    ws.insert_chart(first + S.DASHBOARD_ROWS, 0, bars, {"x_scale": 1.1, "y_scale": 1.0})
    line = book.add_chart({"type": "line"})
    line.add_series({"name": "DSO", "categories": [name, first, 6, last_month, 6],
                     "values": [name, first, 7, last_month, 7], "marker": {"type": "circle"}})
    line.set_title({"name": "DSO par mois (jours)" if lang == "fr" else "DSO by month (days)"})
    line.set_legend({"none": True})
    line.set_y_axis({"num_format": "0"})
    ws.insert_chart(first + S.DASHBOARD_ROWS, 4, line, {"x_scale": 1.1, "y_scale": 1.0})


# xlwings reads its settings from a sheet of this name (keys in A, values in B): the buttons'
# Python module, the worksheet functions' module; the interpreter is left to the add-in's
# own setting unless filled in here (README, "Use it from Excel").
XLWINGS_CONF = (("Interpreter_Win", ""), ("Interpreter_Mac", ""), ("PYTHONPATH", ""),
                ("UDF Modules", "pyfuncs.udfs"), ("Show Console", "False"),
                ("Use UDF Server", "False"))


def _xlwings_conf(book) -> None:
    ws = book.add_worksheet("xlwings.conf")
    ws.set_tab_color("#7F7F7F")
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 40)
    for r, (key, value) in enumerate(XLWINGS_CONF):
        ws.write_string(r, 0, key)
        if value:
            ws.write_string(r, 1, value)


def build_workbook(path: Path | str, lang: str = "fr",
                   data: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
                   settings: Mapping[str, object] | None = None,
                   today: date | None = None) -> Path:
    """Write a new workbook at ``path``: every sheet of the schema, every table.

    ``data`` maps table names to rows ({column key: value}, canonical choice keys);
    missing tables get the defaults (reminder levels, penalty rates) or one empty row.
    Calculated columns get their formula, and a cached value computed in Python when
    there is data, so the file reads right before any spreadsheet has opened it.
    """
    if lang not in S.LANGS:
        raise ValueError(f"language must be one of {', '.join(S.LANGS)}")
    path = Path(path)
    today = today or date.today()
    tables: dict[str, Sequence[Mapping[str, object]]] = dict(default_tables())
    tables.update(data or {})
    tables["Parametres"] = _settings_rows(settings or {}, lang)
    columns = {t.name: rows_to_columns(tables.get(t.name, ()), t.keys) for t in S.TABLES}
    computed = compute_all({k: v for k, v in columns.items() if tables.get(k)}, today)

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_urls": False})
    # Every formula's cached value is Python's (the template's empty rows: 0, what the
    # formulas give there), so opening the file need not recalculate every formula.
    book.calc_on_load = False
    fmts = _Formats(book)
    # A fixed creation date makes the template byte-for-byte reproducible from the schema.
    book.set_properties({"title": "Facturation", "author": "Facturier",
                         "comments": "Built from pyfuncs/domain/schema/",
                         "created": datetime(2026, 1, 1) if data is None else
                         datetime.combine(today, datetime.min.time())})
    for sheet in S.SHEETS:
        ws = book.add_worksheet(sheet.label(lang))
        if sheet.output:
            _output_sheet(ws, fmts, sheet, lang)
            if sheet.key == "dashboard":
                _dashboard_charts(book, ws, lang)
                if path.suffix.lower() == ".xlsm":
                    _buttons(book, ws, lang)
            if sheet.key == "register":
                # read only for people: the journal is the register, this is its copy
                ws.protect("", {"autofilter": True, "sort": True})
            if sheet.key == "aging":
                # the oldest two buckets (default layout: columns F and G) stand out
                red = book.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"})
                ws.conditional_format(3, 5, 100_000, 6, {"type": "cell", "criteria": ">",
                                                         "value": 0, "format": red})
            continue
        for tbl in S.tables_on(sheet.key):
            _write_table(ws, book, fmts, tbl, tables.get(tbl.name, ()),
                         computed.get(tbl.name, {}), lang)
        ws.freeze_panes(1, 0)
    _xlwings_conf(book)
    book.get_worksheet_by_name(S.sheet_name("dashboard", lang)).activate()
    book.close()
    return path
