"""What every check rule shares: the tables as read, lookups built once, and findings.

The rules (domain/checks/) receive one ``Ctx``. It holds the reader's tables (any object
with ``sheet``, ``rows``, ``cols``, ``labels`` and ``cell(key, row)``), the recomputed
formula columns, the settings, today's date and the language, and builds the lookups the
rules share (invoices by number and by id, the lines of each invoice, quote versions)
once, on first use: at 100k invoices, building them twice would cost more than the rules.

Text matching follows the workbook's: invoice ids, numbers and quote numbers compare
after ``strip().casefold()``, like SUMIFS.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from functools import cached_property
from itertools import accumulate, compress, count, repeat
from operator import and_, eq, ne
from typing import Any, Protocol

from pyfuncs.domain.computed import compute_all
from pyfuncs.domain.findings import Finding, shown_day, shown_money
from pyfuncs.domain.money import ZERO

Message = tuple[str, str, str, str]  # French message, French fix, English message, fix


def message(fr: str, fr_fix: str, en: str, en_fix: str) -> Message:
    """A finding's text in both languages. Four parameters, not a bare tuple: a comma
    forgotten between two strings fails at import instead of shifting the texts."""
    return (fr, fr_fix, en, en_fix)


class TableView(Protocol):
    """A table as the reader gives it (pyfuncs.adapters.xlsx_read.TableData)."""

    sheet: str
    rows: list[int]
    cols: dict[str, list[Any]]
    labels: dict[str, str]

    def cell(self, key: str, row: int) -> str: ...


def norm(value: object) -> str:
    """The key a SUMIFS criterion would match: trimmed, case-insensitive ('' if empty)."""
    return "" if value is None else str(value).strip().casefold()


def loose(value: object) -> str:
    """``norm`` without any inner space either: 'FAC 2026-0007' is 'fac2026-0007'."""
    return "".join(str(value).split()).casefold() if value is not None else ""


def fold_label(value: object) -> str:
    """A line label for matching: case-insensitive, runs of spaces as one."""
    return " ".join(str(value).split()).casefold() if value is not None else ""


def text(value: object) -> str:
    return "" if value is None else str(value).strip()


def is_yes(value: object) -> bool:
    """A yes/no cell or setting read as yes: the reader's « yes », or yes as typed."""
    return value is True or text(value).casefold() in ("yes", "oui", "true", "1")


# Labels of the settings the rules name, used when the Parametres table is not given.
SETTING_LABELS = {
    "seller_name": ("Raison sociale", "Company name"),
    "seller_legal_form": ("Forme juridique", "Legal form"),
    "seller_capital": ("Capital social", "Share capital"),
    "seller_address": ("Adresse", "Address"),
    "seller_postcode": ("Code postal", "Postcode"),
    "seller_city": ("Ville", "City"),
    "seller_siren": ("SIREN", "SIREN"),
    "seller_siret": ("SIRET", "SIRET"),
    "seller_vat": ("N° TVA intracommunautaire", "VAT number"),
    "seller_rcs": ("RCS", "Trade register (RCS)"),
    "seller_iban": ("IBAN", "IBAN"),
    "penalty_rate": ("Taux de pénalités contractuel", "Contractual penalty rate"),
    "recovery_indemnity": ("Indemnité forfaitaire de recouvrement",
                           "Fixed recovery indemnity"),
    "early_payment_discount": ("Escompte pour paiement anticipé", "Early payment discount"),
}


class Ctx:
    """The inputs of a check run and the lookups the rules share."""

    def __init__(self, tables: Mapping[str, TableView],
                 computed: Mapping[str, Mapping[str, list[Any]]] | None,
                 settings: Mapping[str, object], today: date, lang: str = "fr",
                 leak_days: int = 15,
                 skipped: Mapping[str, Mapping[str, list[int]]] | None = None) -> None:
        self.tables = tables
        # lines the reader skipped (a bad or empty required cell): table -> the normalised
        # ref of the contract or quote they belong to -> their sheet rows
        self.skipped: Mapping[str, Mapping[str, list[int]]] = skipped or {}
        self.settings = settings
        self.today = today
        self.fr = lang != "en"
        self.leak_days = leak_days
        self.findings: list[Finding] = []
        self._keys: dict[tuple[str, str], list[str]] = {}
        self._raw: dict[tuple[str, str, str], dict[object, int]] = {}
        if computed is None or ("Factures" in tables and "LignesFacture" in tables
                                and "Factures" not in computed):
            try:  # the job passes compute_all's output; a direct caller may not
                computed = compute_all({n: t.cols for n, t in tables.items()}, today)
            except (KeyError, TypeError):  # columns missing: formula columns read as None
                computed = {}
        self.computed = computed

    # ------------------------------------------------------------------ access
    def has(self, *names: str) -> bool:
        return all(n in self.tables for n in names)

    def col(self, table: str, key: str) -> list[Any]:
        """A column by key: the computed formula result if any, else the values read,
        else Nones (an optional column the user removed)."""
        comp = self.computed.get(table)
        if comp is not None and key in comp:
            return comp[key]
        tv = self.tables[table]
        values = tv.cols.get(key)
        return values if values is not None else [None] * len(tv.rows)

    def keys(self, table: str, key: str) -> list[str]:
        """A column as matching keys (``norm`` of each value), built once per run."""
        memo = self._keys.get((table, key))
        if memo is None:
            memo = self._keys[(table, key)] = list(map(norm, self.col(table, key)))
        return memo

    def resolve(self, refs: list[Any], table: str, key: str,
                index: Callable[[], dict[str, int]]) -> list[int]:
        """Row index in ``table`` of each reference (-1 when none): by the value as typed
        first, which is the usual case and costs one dict lookup, then by its matching key
        (``norm``) through the dict ``index()`` returns, asked for only then (building it
        folds the whole key column)."""
        memo = (table, key, "raw")
        raw = self._raw.get(memo)
        if raw is None:
            raw = first_index(self.col(table, key))
            raw.pop(None, None)
            self._raw[memo] = raw
        out = list(map(raw.get, refs, repeat(-2)))
        if -2 in out:
            by_key = index()
            for k in list(compress(count(), map(eq, out, repeat(-2)))):
                out[k] = by_key.get(norm(refs[k]), -1)
        return out

    def setting(self, key: str) -> object:
        value = self.settings.get(key)
        return None if isinstance(value, str) and not value.strip() else value

    # ------------------------------------------------------------------ text
    def money(self, amount: object) -> str:
        return shown_money(amount, self.fr)

    def num(self, value: object) -> str:
        if not isinstance(value, Decimal):
            return "" if value is None else str(value)
        body = format(value, "f")
        if "." in body:
            body = body.rstrip("0").rstrip(".")
        return body.replace(".", ",") if self.fr else body

    def rate(self, value: object) -> str:
        if not isinstance(value, Decimal):
            return "" if value is None else str(value)
        return self.num(value * 100) + (" %" if self.fr else "%")

    def day(self, value: object) -> str:
        return shown_day(value, self.fr)

    # ------------------------------------------------------------------ findings
    def add(self, code: str, severity: str, table: str, i: int | None, key: str,
            ref: object, msg: Message, **values: object) -> None:
        """A finding on row ``i`` (0-based index into the table's rows) of a table."""
        tv = self.tables.get(table)
        sheet, row, label, cell = table, None, key, ""
        if tv is not None:
            sheet = tv.sheet
            label = tv.labels.get(key, key) if key else ""
            if i is not None:
                row = tv.rows[i]
                if key:  # formula columns have a cell too
                    try:
                        cell = tv.cell(key, row)
                    except (KeyError, ValueError, IndexError):
                        cell = ""
        self.append(code, severity, sheet, row, label, ref, msg, cell, values)

    def add_setting(self, code: str, severity: str, key: str, msg: Message,
                    **values: object) -> None:
        """A finding on a Paramètres value: its row when the Parametres table is given."""
        fr_label, en_label = SETTING_LABELS.get(key, (key, key))
        values.setdefault("setting", fr_label if self.fr else en_label)
        params = self.tables.get("Parametres")
        near = params or self.tables.get("TauxPenalite") or self.tables.get("NiveauxRelance")
        sheet = near.sheet if near is not None else ("Paramètres" if self.fr else "Settings")
        row, label, cell = None, values["setting"], ""
        if params is not None:
            for r, k in zip(params.rows, params.cols.get("key", [])):
                if norm(k) == key:
                    row, label = r, params.labels.get("value", "value")
                    try:
                        cell = params.cell("value", r)
                    except (KeyError, ValueError, IndexError):
                        cell = ""
                    break
        self.append(code, severity, sheet, row, str(label), "", msg, cell, values)

    def append(self, code: str, severity: str, sheet: str, row: int | None, column: str,
                ref: object, msg: Message, cell: str, values: Mapping[str, object]) -> None:
        fr_msg, fr_fix, en_msg, en_fix = msg
        message, fix = (fr_msg, fr_fix) if self.fr else (en_msg, en_fix)
        self.findings.append(Finding(code, severity, sheet, row, column, text(ref),
                                     message.format(**values), fix.format(**values), cell))

    # ------------------------------------------------------------------ invoices
    @cached_property
    def inv_type(self) -> list[Any]:
        return self.col("Factures", "type")

    @cached_property
    def inv_status(self) -> list[Any]:
        return self.col("Factures", "status")

    @cached_property
    def inv_number(self) -> list[Any]:
        return self.col("Factures", "number")

    @cached_property
    def posted(self) -> list[bool]:
        """Issued (or issued then cancelled): has a number and is not a draft. Counts in
        its series, as invoiced, and as a payment target."""
        # a number's matching key is empty exactly when its text is: C loops over keys
        return list(map(and_, map(bool, self.keys("Factures", "number")),
                        map(ne, self.inv_status, repeat("draft"))))

    @cached_property
    def live(self) -> list[bool]:
        """Drafts and issued documents: their content can still matter or be fixed (a
        cancelled one has been replaced)."""
        return [s != "cancelled" for s in self.inv_status]

    def inv_ref(self, i: int) -> str:
        """How a finding names an invoice: its number, or its internal ref for a draft."""
        return text(self.inv_number[i]) or text(self.col("Factures", "id")[i])

    @cached_property
    def inv_dates(self) -> list[date]:
        """Issue dates, today for a draft that has none yet."""
        today = self.today
        return [d if isinstance(d, date) else today for d in self.col("Factures", "issue_date")]

    def inv_date(self, i: int) -> date:
        return self.inv_dates[i]

    @cached_property
    def inv_first(self) -> dict[str, int]:
        """Invoice number -> index of the first row with it."""
        out = first_index(self.keys("Factures", "number"))
        out.pop("", None)
        return out

    @cached_property
    def inv_spaced(self) -> dict[str, int]:
        """For the invoice numbers with inner whitespace (rare): the number without any
        ('fac 2026-7' -> 'fac2026-7', see ``loose``) -> its index in ``inv_first``, the
        first in that dict's order."""
        first = self.inv_first
        out: dict[str, int] = {}
        for key, i in first.items():
            if len(key.split()) > 1:
                out.setdefault(loose(key), i)
        return out

    @cached_property
    def inv_by_number(self) -> dict[str, list[int]]:
        """Invoice number -> every row with it, for the numbers used more than once."""
        first = self.inv_first
        out: dict[str, list[int]] = defaultdict(list)
        keys = self.keys("Factures", "number")
        if len(first) < sum(1 for key in keys if key):
            for i, key in enumerate(keys):
                if key:
                    out[key].append(i)
        return {key: idx for key, idx in out.items() if len(idx) > 1}

    @cached_property
    def inv_by_id(self) -> dict[str, int]:
        """Internal ref (what the lines name) -> index of the first row with it."""
        out = first_index(self.keys("Factures", "id"))
        out.pop("", None)
        return out

    @cached_property
    def line_invoice(self) -> list[int]:
        """Invoice line index -> its invoice's index (-1 for an unknown ref)."""
        if "LignesFacture" not in self.tables:
            return []
        return self.resolve(self.col("LignesFacture", "invoice"), "Factures", "id",
                            lambda: self.inv_by_id)

    @cached_property
    def _invoice_lines(self) -> Grouped:
        return Grouped(self.line_invoice, len(self.inv_number))

    def lines(self, i: int) -> list[int]:
        """Indexes of invoice i's lines, in sheet order."""
        return self._invoice_lines.members(i)

    @property
    def line_slices(self) -> tuple[list[int], list[int]]:
        """``lines`` without a call per invoice, for the loops over every invoice: the
        lines of invoice i are ``order[start[i]:start[i + 1]]`` of (order, start)."""
        groups = self._invoice_lines
        return groups.order, groups.start

    def posted_by_number(self, number: object) -> int | None:
        """The issued invoice with this number (the first if the number repeats)."""
        key = norm(number)
        i = self.inv_first.get(key)
        if i is None or self.posted[i]:
            return i
        for i in self.inv_by_number.get(key, ()):
            if self.posted[i]:
                return i
        return None

    # ------------------------------------------------------------------ clients
    @cached_property
    def client_by_id(self) -> dict[str, int]:
        out: dict[str, int] = {}
        if "Clients" in self.tables:
            for i, key in enumerate(self.keys("Clients", "id")):
                out.setdefault(key, i)
        return out

    @cached_property
    def inv_client(self) -> list[int]:
        """Invoice index -> its client's row index in Clients (-1 if unknown)."""
        if "Clients" not in self.tables:
            return [-1] * len(self.inv_number)
        return self.resolve(self.col("Factures", "client"), "Clients", "id",
                            lambda: self.client_by_id)

    # ------------------------------------------------------------------ quotes
    @cached_property
    def quote_versions(self) -> dict[str, dict[int, int]]:
        """Quote number -> {version: row index}."""
        out: dict[str, dict[int, int]] = defaultdict(dict)
        if "Devis" in self.tables:
            for i, (number, version) in enumerate(zip(self.keys("Devis", "number"),
                                                      self.col("Devis", "version"))):
                if number:
                    out[number].setdefault(version if isinstance(version, int) else 0, i)
        return out

    @cached_property
    def quote_target(self) -> dict[str, int]:
        """Quote number -> row index of its latest accepted version (the one to invoice)."""
        status = self.col("Devis", "status") if "Devis" in self.tables else []
        out: dict[str, int] = {}
        for number, versions in self.quote_versions.items():
            if len(versions) == 1:  # most quotes: their one version, if accepted
                for i in versions.values():
                    if status[i] == "accepted":
                        out[number] = i
                continue
            accepted = [v for v, i in versions.items() if status[i] == "accepted"]
            if accepted:
                out[number] = versions[max(accepted)]
        return out

    @cached_property
    def quote_line_owner(self) -> list[int]:
        """Quote line index -> row index in Devis of its quote version (-1 if none)."""
        if "LignesDevis" not in self.tables:
            return []
        versions = self.quote_versions
        none: dict[int, int] = {}
        return [versions.get(number, none).get(v if v.__class__ is int else 0, -1)
                for number, v in zip(self.keys("LignesDevis", "quote"),
                                     self.col("LignesDevis", "version"))]

    @cached_property
    def _quote_lines(self) -> Grouped:
        return Grouped(self.quote_line_owner, len(self.tables["Devis"].rows)
                       if "Devis" in self.tables else 0)

    def quote_lines(self, j: int) -> list[int]:
        """Indexes of the lines of the quote version on Devis row index j."""
        return self._quote_lines.members(j)

    def invoice_quote(self, i: int) -> str:
        """The quote an invoice bills: its own quote number, or for a credit note that has
        none, the quote of the invoice it credits."""
        quotes = self.keys("Factures", "quote")
        quote = quotes[i]
        if not quote and self.inv_type[i] == "credit_note":
            j = self.posted_by_number(self.col("Factures", "credited")[i])
            if j is not None and j != i:
                quote = quotes[j]
        return quote

    @cached_property
    def billed_on_quote(self) -> dict[str, list[int]]:
        """Quote number -> issued invoices, deposits and credit notes that bill it, in
        issue order (date, then row)."""
        out: dict[str, list[int]] = defaultdict(list)
        if "Factures" not in self.tables:
            return out
        quotes, types, dates = self.keys("Factures", "quote"), self.inv_type, self.inv_dates
        posted, rows = self.posted, range(len(quotes))
        # the issued rows with a quote, and the credit notes without one (which take the
        # quote of the invoice they credit), in sheet order: compress finds both
        found = [i for i in compress(rows, quotes) if posted[i]]
        credits = [i for i in compress(rows, map(eq, types, repeat("credit_note")))
                   if posted[i] and not quotes[i]]
        for i in sorted(found + credits) if credits else found:
            quote = quotes[i] or self.invoice_quote(i)
            if quote:
                out[quote].append(i)
        for idx in out.values():
            if len(idx) > 1:
                idx.sort(key=dates.__getitem__)  # stable: rows in sheet order on a tie
        return out

    @cached_property
    def quote_billed_net(self) -> dict[str, Decimal]:
        """Quote number -> net amount of its ``billed_on_quote`` documents (credit notes
        count negative), summed once: the quote and the leak rules both need it for
        every accepted quote."""
        if "Factures" not in self.tables:
            return {}
        net = self.col("Factures", "net")
        return {quote: sum((net[i] or ZERO for i in idx), ZERO)
                for quote, idx in self.billed_on_quote.items()}

    def finally_billed(self, quote: str) -> bool:
        """Whether an issued document of this quote (normalised number) is its final
        invoice (a line billing "devis:<number>"): the quote is done."""
        if "LignesFacture" not in self.tables:
            return False
        source = self.col("LignesFacture", "source")
        return any(str(source[k] or "").startswith("devis:")
                   for i in self.billed_on_quote.get(quote, ()) for k in self.lines(i))

    def skipped_rows(self, table: str, ref: object) -> list[int]:
        """Sheet rows of ``table`` the reader skipped that belong to ``ref`` (a contract
        or quote), sorted; [] when none (or when the job did not say)."""
        lines = self.skipped.get(table)
        if not lines:  # the usual case, asked once per contract period: no work
            return []
        return sorted(set(lines.get(norm(ref), ())))



def first_index(values: list[Any]) -> dict[Any, int]:
    """Each value -> the index of its first occurrence. Built by dict() from the end of
    the list, so that the first occurrence is written last (one C loop)."""
    n = len(values)
    return dict(zip(reversed(values), range(n - 1, -1, -1)))


class Grouped:
    """Rows of a table grouped by an owner index (lines by invoice), as two flat int lists
    rather than a list per owner: at 100k invoices, 100k small lists cost more in garbage
    collection passes than in building them.

    Built by C loops: the rows sorted by owner (a stable sort keeps sheet order within an
    owner, and lines come mostly grouped already, which timsort does in one pass), the
    rows without an owner (-1) sorting first and cut off."""

    __slots__ = ("order", "start")

    def __init__(self, owner: list[int], size: int) -> None:
        counts = Counter(owner)
        self.start = list(accumulate(map(counts.get, range(size), repeat(0)), initial=0))
        order = sorted(range(len(owner)), key=owner.__getitem__)
        self.order = order[len(owner) - self.start[-1]:]

    def members(self, i: int) -> list[int]:
        return self.order[self.start[i]:self.start[i + 1]]
