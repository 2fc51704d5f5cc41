"""The dashboard: the receivables KPIs, the checks' counts and the billing leaks, one page."""
from __future__ import annotations

import os
from datetime import date, datetime
from typing import cast

from pyfuncs.adapters.workbook_file import Writer
from pyfuncs.adapters.xlsx_xml import Styled
from pyfuncs.domain import schema as S
from pyfuncs.domain.aging import AgedBalance
from pyfuncs.domain.checks import (
    leak_totals,
    leaks_by_client,
)
from pyfuncs.domain.context import Ctx
from pyfuncs.domain.ereporting import next_deadline, regime_of
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.money import ZERO
from pyfuncs.jobs import lifecycle
from pyfuncs.jobs.load import Loaded, last_statement, leak_days, skipped_lines
from pyfuncs.jobs.sheets import sheet_columns, stamp


def dashboard_rows(loaded: Loaded, balance: AgedBalance, today: date,
                   counts: dict[str, int] | None) -> list[list[object]]:
    """The dashboard's fixed layout: KPIs in A:B, buckets in D:E, DSO by month in G:H."""
    fr = loaded.data.lang == "fr"
    k = balance.kpis
    def as_(kind: str, value: object) -> object:
        return None if value is None else Styled(value, kind)

    kpis: list[tuple[str, object]] = [
        ("Situation au" if fr else "As of", balance.as_of),
        ("Encours clients TTC" if fr else "Receivables incl. VAT",
         as_("money", k["receivables"])),
        ("dont échu" if fr else "of which overdue", as_("money", k["overdue"])),
        ("Part échue" if fr else "Overdue share", as_("rate", k["overdue_share"])),
        ("Échu depuis plus de 60 jours" if fr else "Over 60 days past due",
         as_("money", k["over_60_days"])),
        ("DSO, méthode comptable, 90 jours (j)" if fr else "DSO, accounting method, 90 days",
         k["dso_accounting"]),
        ("DSO, méthode par épuisement (j)" if fr else "DSO, count-back method",
         k["dso_count_back"]),
        ("Taux d'impayés (> 90 j / CA TTC 12 mois)" if fr else
         "Unpaid rate (> 90 d / 12-month revenue)", as_("rate", k["unpaid_rate"])),
        ("Relances par facture (12 mois)" if fr else "Reminders per invoice (12 months)",
         k["reminders_per_invoice"]),
        ("Retard moyen de paiement (j)" if fr else "Average days late", k["average_days_late"]),
        ("Clients", len(loaded.data.tables["Clients"])),
        ("Factures et avoirs" if fr else "Invoices and credit notes",
         len(loaded.data.tables["Factures"])),
    ]
    if counts is not None:
        kpis += [("Contrôles : erreurs" if fr else "Checks: errors", counts.get(ERROR, 0)),
                 ("Contrôles : avertissements" if fr else "Checks: warnings",
                  counts.get(WARNING, 0))]
    statement = last_statement(loaded.data)
    kpis.append(("Dernier relevé bancaire importé" if fr else "Last bank statement imported",
                 statement if statement is not None else ("aucun" if fr else "none")))
    kpis += _leak_rows(loaded, today, fr)
    kpis += _platform_rows(loaded, today)
    kpis += _ereporting_row(loaded, today, fr)
    buckets = list(zip(balance.labels, balance.totals))
    months = [(m["month"], m["dso"]) for m in cast("list[dict[str, object]]", k["dso_by_month"])]
    rows = []
    for i in range(max(len(kpis), len(buckets), len(months))):
        label, value = kpis[i] if i < len(kpis) else (None, None)
        b = buckets[i] if i < len(buckets) else (None, None)
        m = months[i] if i < len(months) else (None, None)
        rows.append([label, value, None, b[0], b[1], None, m[0], m[1]])
    return rows


def _ereporting_row(loaded: Loaded, today: date, fr: bool) -> list[tuple[str, object]]:
    """The next e-reporting deadline (Paramètres › Régime de TVA), once a platform is set
    up (domain/ereporting.py: the cadence and its sources)."""
    settings = loaded.data.settings
    if not any(str(settings.get(k) or "").strip() for k in ("pa_url", "pa_name")):
        return []
    day, kind, period = next_deadline(today, regime_of(settings.get("vat_regime")))
    what = {"transactions": "ventes" if fr else "sales",
            "payments": "paiements" if fr else "payments"}[kind]
    return [("Prochaine échéance e-reporting" if fr else "Next e-reporting deadline",
             f"{day:%d/%m/%Y} ({what} {period.label})" if fr else
             f"{day:%Y-%m-%d} ({what} {period.label})")]


LEAK_CLIENTS = 5  # the clients with the most work not invoiced, by name on the dashboard


def _leak_rows(loaded: Loaded, today: date, fr: bool) -> list[tuple[str, object]]:
    """Work done or due and not invoiced (billing leaks, excl. VAT): the total, then the
    clients with the most at stake."""
    data = loaded.data
    at_stake = leak_totals(loaded.leaks) if loaded.leaks is not None else \
        leaks_by_client(data.tables, loaded.computed, today, leak_days(data.settings),
                        skipped_lines(data))
    names = {}
    if "Clients" in data.tables:
        names = {str(i).strip().casefold(): n for i, n in
                 zip(data.tables["Clients"].cols["id"], data.tables["Clients"].cols["name"])
                 if i is not None}
    total = sum(at_stake.values(), ZERO)
    rows: list[tuple[str, object]] = [
        ("Travaux non facturés HT" if fr else "Work not invoiced excl. VAT",
         Styled(total, "money"))]
    top = sorted(at_stake.items(), key=lambda kv: (-kv[1], kv[0]))[:LEAK_CLIENTS]
    for client, amount in top:
        name = names.get(client.strip().casefold()) or client
        rows.append((f"   dont {name}" if fr else f"   of which {name}",
                     Styled(amount, "money")))
    return rows


def _platform_rows(loaded: Loaded, today: date) -> list[tuple[str, object]]:
    """The approved platform's lines (documents per status, those waiting for an action),
    once a platform is set up."""
    data = loaded.data
    if "Factures" not in data.tables:
        return []
    ctx = Ctx(data.tables, loaded.computed, data.settings, today, data.lang)
    return lifecycle.dashboard_rows(data, ctx, data.settings, os.environ)


def write_dashboard(writer: Writer, loaded: Loaded, balance: AgedBalance,
                    today: date, counts: dict[str, int] | None, when: datetime) -> None:
    lang = loaded.data.lang
    sheet = S.SHEETS_BY_KEY["dashboard"]
    writer.replace_sheet(loaded.data.sheet_names.get("dashboard", sheet.label(lang)),
                         title=stamp(lang, sheet.label(lang), when),
                         columns=sheet_columns(sheet, lang),
                         rows=dashboard_rows(loaded, balance, today, counts), one_page=True)


