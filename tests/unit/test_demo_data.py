"""The demo data: deterministic, realistic, valid where it should be, wrong where planted."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest
from stdnum import iban
from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren, siret, tva

from pyfuncs.demo import goods
from pyfuncs.demo.data import DEFAULT_INVOICES, DemoData, demo_data, due_date
from pyfuncs.domain import schema as S
from pyfuncs.domain.computed import invoice_totals, quote_totals, rows_to_columns

TODAY = date(2026, 11, 23)
NUMBER_RE = re.compile(r"^[A-Za-z0-9+\-_/]{1,35}$")


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return demo_data(TODAY)


@pytest.fixture(scope="module")
def scaled() -> DemoData:
    return demo_data(TODAY, invoices=2000)


class Case(NamedTuple):
    data: DemoData
    today: date


@pytest.fixture(scope="module", params=["default", "2000", "other-date-and-seed"])
def case(request, demo, scaled) -> Case:
    if request.param == "default":
        return Case(demo, TODAY)
    if request.param == "2000":
        return Case(scaled, TODAY)
    return Case(demo_data(date(2026, 3, 1), seed=7), date(2026, 3, 1))


@pytest.fixture(scope="module")
def any_demo(case) -> DemoData:
    return case.data


def columns(data: DemoData, name: str) -> dict[str, list]:
    return rows_to_columns(data.tables[name], S.table(name).keys)


def invoice_total_by_id(data: DemoData) -> dict[str, Decimal]:
    inv = columns(data, "Factures")
    totals = invoice_totals(inv, columns(data, "LignesFacture"))
    return dict(zip(inv["id"], totals["total"]))


def planted(data: DemoData, kind: str) -> list[dict]:
    return [p for p in data.planted if p["kind"] == kind]


def test_same_arguments_give_identical_data_and_another_seed_differs():
    a, b = demo_data(TODAY), demo_data(TODAY)
    assert a.settings == b.settings
    assert a.tables == b.tables
    assert a.planted == b.planted
    assert demo_data(TODAY, seed=1).tables["Factures"] != a.tables["Factures"]


def test_data_does_not_depend_on_the_hash_seed_of_the_process():
    code = ("import hashlib; from datetime import date; from pyfuncs.demo.data import demo_data;"
            "d = demo_data(date(2026, 11, 23), invoices=300);"
            "print(hashlib.sha256(repr((d.settings, d.tables, d.planted)).encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": seed},
                              cwd=Path(__file__).resolve().parents[2]).stdout
               for seed in ("1", "2")}
    assert len(digests) == 1


def test_default_size_matches_the_product_brief(demo):
    c = demo.counts()
    assert c["Factures"] == DEFAULT_INVOICES
    assert c["Clients"] == 40 + len(goods.CLIENTS)  # and the two who buy goods
    assert 70 <= len({q["number"] for q in demo.tables["Devis"]}) <= 90
    assert len({t["client"] for t in demo.tables["Temps"]}) in range(4, 7)
    days = [t["date"] for t in demo.tables["Temps"]]
    assert min(days) >= date(2026, 6, 1) and max(days) <= TODAY
    issued = [f["issue_date"] for f in demo.tables["Factures"] if f["number"]]
    assert min(issued) >= date(2025, 6, 1) and max(issued) <= TODAY
    assert 0 < c["Relances"] < 60 and c["Echeances"] > 0
    assert len(demo.tables["NiveauxRelance"]) == len(S.DEFAULT_REMINDER_LEVELS)
    assert len(demo.tables["TauxPenalite"]) == len(S.DEFAULT_PENALTY_RATES)


def test_four_clients_buy_goods_two_delivered_elsewhere_in_france_two_abroad_at_zero(demo):
    """Two French clients (goods; goods and their installation) delivered to another site,
    a German business (intra-Community supplies) and a Swiss one (exports), billed at 0 %
    and delivered where they are billed; each gets invoices of goods only."""
    from stdnum.eu import vat as eu_vat
    t = demo.tables
    buyers = {c["id"]: c for c in t["Clients"] if c["nature"] in ("goods", "both")}
    assert sorted((c["nature"], c["country"]) for c in buyers.values()) == [
        ("both", "FR"), ("goods", "CH"), ("goods", "DE"), ("goods", "FR")]
    for c in buyers.values():
        if c["country"] == "FR":
            assert c["delivery_city"] and c["delivery_city"] != c["city"]
            assert c["delivery_address"] != c["address"]
        else:
            assert c["delivery_address"] is None and c["siren"] is None
    german = next(c for c in buyers.values() if c["country"] == "DE")
    assert eu_vat.is_valid(german["vat_number"])
    ids = {f["id"]: f["client"] for f in t["Factures"] if f["client"] in buyers
           and f["type"] == "invoice"}
    assert len(ids) >= sum(goods.INVOICES)
    units = {(buyers[ids[ln["invoice"]]]["nature"], buyers[ids[ln["invoice"]]]["country"],
              ln["unit"]) for ln in t["LignesFacture"] if ln["invoice"] in ids}
    assert units == {("goods", "FR", "pièce"), ("both", "FR", "pièce"),
                     ("both", "FR", "jour"), ("goods", "DE", "piece"),
                     ("goods", "CH", "pièce")}
    rates = {buyers[ids[ln["invoice"]]]["country"]: ln["vat_rate"]
             for ln in t["LignesFacture"] if ln["invoice"] in ids}
    assert rates == {"FR": Decimal("0.2"), "DE": 0, "CH": 0}


def test_scaled_size_has_the_asked_invoices_and_proportional_rows(scaled):
    c = scaled.counts()
    assert c["Factures"] == 2000
    assert c["Clients"] == 100 + len(goods.CLIENTS)
    assert 2.2 <= c["LignesFacture"] / 2000 <= 2.8
    assert 1.3 <= c["Paiements"] / 2000 <= 1.7
    assert 550 <= len({q["number"] for q in scaled.tables["Devis"]}) <= 800
    assert c["Temps"] > 1000


def test_settings_hold_every_schema_setting_with_its_type(demo):
    assert set(demo.settings) == set(S.SETTINGS_BY_KEY)
    for s in S.SETTINGS:
        value = demo.settings[s.key]
        if s.required:
            assert value not in (None, ""), s.key
        if value is not None:
            check_type(s.type, s.choices, value, f"setting {s.key}")


def test_every_identifier_is_valid_except_the_planted_missing_siren(any_demo):
    st = any_demo.settings
    assert siren.is_valid(st["seller_siren"])
    assert siret.is_valid(st["seller_siret"]) and st["seller_siret"].startswith(st["seller_siren"])
    assert tva.is_valid(st["seller_vat"]) and st["seller_vat"].endswith(st["seller_siren"])
    assert iban.is_valid(st["seller_iban"]) and len(st["seller_iban"]) == 27
    missing = {p["row"] for p in planted(any_demo, "missing_siren")}
    sirens = set()
    countries = set()
    for k, c in enumerate(any_demo.tables["Clients"]):
        countries.add(c["country"])
        if c["private"] == "yes":  # a private person: no SIREN, no VAT number
            assert (c["siren"], c["siret"], c["vat_number"]) == (None, None, None), c
            continue
        if c["country"] == "FR":
            assert tva.is_valid(c["vat_number"]) and c["vat_number"].startswith("FR")
            if k in missing:
                assert c["siren"] is None
                continue
            assert siren.is_valid(c["siren"]), c
            assert siret.is_valid(c["siret"]) and c["siret"].startswith(c["siren"])
            assert c["vat_number"].endswith(c["siren"])
            sirens.add(c["siren"])
        elif c["country"] == "DE":
            assert eu_vat.is_valid(c["vat_number"]) and c["vat_number"].startswith("DE")
        else:
            assert c["country"] == "CH" and ch_vat.is_valid(c["vat_number"])
    assert countries == {"FR", "DE", "CH"}
    assert len(sirens) == sum(1 for c in any_demo.tables["Clients"] if c["siren"])


def test_invoice_numbers_are_continuous_chronological_and_well_formed(any_demo):
    series: dict[tuple[str, str], list[tuple[int, date]]] = defaultdict(list)
    for f in any_demo.tables["Factures"]:
        if f["status"] == "draft":
            assert f["number"] is None and f["due_date"] is None
            continue
        number = f["number"]
        assert NUMBER_RE.match(number), number
        prefix, year, seq = re.fullmatch(r"([A-Z]+)(\d{4})-(\d+)", number).groups()
        assert int(year) == f["issue_date"].year
        assert prefix == ("AV" if f["type"] == "credit_note" else "FAC")
        series[(prefix, year)].append((int(seq), f["issue_date"]))
    assert {p for p, _ in series} == {"FAC", "AV"}
    for key, items in series.items():
        items.sort()
        assert [n for n, _ in items] == list(range(1, len(items) + 1)), key
        days = [d for _, d in items]
        assert days == sorted(days), key
    ids = [f["id"] for f in any_demo.tables["Factures"]]
    assert len(set(ids)) == len(ids)
    drafts = [f["status"] == "draft" for f in any_demo.tables["Factures"]]
    assert drafts == sorted(drafts), "drafts come last"


def test_due_dates_follow_the_terms(any_demo):
    for f in any_demo.tables["Factures"]:
        if f["number"]:
            assert f["due_date"] == due_date(f["issue_date"], f["terms"])
    assert due_date(date(2026, 1, 20), "45d_eom") == date(2026, 3, 31)
    assert due_date(date(2026, 1, 20), "on_receipt") == date(2026, 1, 20)


def test_credit_notes_are_negative_and_credit_an_earlier_invoice(any_demo):
    totals = invoice_total_by_id(any_demo)
    by_number = {f["number"]: f for f in any_demo.tables["Factures"] if f["number"]}
    lines = defaultdict(list)
    for line in any_demo.tables["LignesFacture"]:
        lines[line["invoice"]].append(line)
    notes = [f for f in any_demo.tables["Factures"] if f["type"] == "credit_note"]
    assert notes
    for note in notes:
        assert totals[note["id"]] < 0
        assert all(line["quantity"] < 0 for line in lines[note["id"]])
        original = by_number[note["credited"]]
        assert original["type"] == "invoice" and original["client"] == note["client"]
        assert original["issue_date"] <= note["issue_date"]
        assert -totals[note["id"]] <= totals[original["id"]]
    for f in any_demo.tables["Factures"]:
        if f["type"] != "credit_note":
            assert f["credited"] is None and totals[f["id"]] > 0


def open_items(data: DemoData, as_of: date) -> list[tuple[dict, Decimal]]:
    totals = invoice_total_by_id(data)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for p in data.tables["Paiements"]:
        if p["invoice"] and p["date"] <= as_of:
            paid[p["invoice"]] += p["amount"]
    out = []
    for f in data.tables["Factures"]:
        if f["number"] and f["issue_date"] <= as_of:
            amount = totals[f["id"]] - paid[f["number"]]
            if amount:
                out.append((f, amount))
    return out


def test_every_bucket_of_the_aged_balance_holds_an_open_invoice(case):
    today = case.today
    buckets = [Decimal(0)] * 5
    for f, amount in open_items(case.data, today):
        late = (today - f["due_date"]).days
        b = 0 if late <= 0 else 1 if late <= 30 else 2 if late <= 60 else 3 if late <= 90 else 4
        if amount > 0:
            buckets[b] += amount
    assert all(b > 0 for b in buckets), buckets


def test_payments_never_exceed_an_invoice_nor_precede_it_nor_follow_today(case):
    any_demo = case.data
    totals = invoice_total_by_id(any_demo)
    invoices = {f["number"]: f for f in any_demo.tables["Factures"] if f["number"]}
    assert max(f["issue_date"] for f in invoices.values()) <= case.today
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for p in any_demo.tables["Paiements"]:
        assert p["date"] <= case.today
        f = invoices.get(p["invoice"])
        if f is not None:
            assert p["date"] >= f["issue_date"]
            paid[p["invoice"]] += p["amount"]
    for number, amount in paid.items():
        total = totals[invoices[number]["id"]]
        assert (0 <= amount <= total) if total > 0 else (total <= amount <= 0), number
    days = [p["date"] for p in any_demo.tables["Paiements"]]
    assert days == sorted(days)


def test_the_demo_shows_every_case_the_product_handles(demo):
    t = demo.tables
    clients = {c["id"]: c for c in t["Clients"]}
    invoices = t["Factures"]
    lines = defaultdict(list)
    for line in t["LignesFacture"]:
        lines[line["invoice"]].append(line)
    statuses = {q["status"] for q in t["Devis"]}
    assert statuses == set(S.CHOICES["quote_status"])
    versions = defaultdict(dict)
    for q in t["Devis"]:
        versions[q["number"]][q["version"]] = q["status"]
    assert {1: "superseded", 2: "accepted"} in versions.values()
    assert any(q["deposit_pct"] == Decimal("0.3") for q in t["Devis"])
    assert {m["status"] for m in t["Echeances"]} >= {"planned", "ready", "invoiced"}
    assert any(line["vat_rate"] == Decimal("0.055") for line in t["LignesDevis"])
    assert {f["type"] for f in invoices} == set(S.CHOICES["invoice_type"])
    assert any(line["label"].startswith("Acompte FAC") and line["quantity"] < 0
               for line in t["LignesFacture"])
    assert any(f["dispute"] == "yes" for f in invoices)
    assert any(f["promise_date"] and f["promise_date"] > TODAY for f in invoices)
    assert any(f["status"] == "draft" for f in invoices)
    # per-line VAT rounding differs from per-rate rounding on at least one invoice
    assert any(sum(round_half(line["quantity"] * line["unit_price"] * line["vat_rate"])
                   for line in ls) != round_half(sum(line["quantity"] * line["unit_price"]
                                                     for line in ls) * Decimal("0.2"))
               for ls in lines.values() if all(x["vat_rate"] == Decimal("0.2") for x in ls))
    foreign = {c["country"]: c["id"] for c in clients.values() if c["country"] != "FR"}
    for cid in foreign.values():
        ids = [f["id"] for f in invoices if f["client"] == cid]
        assert ids and all(line["vat_rate"] == 0 for i in ids for line in lines[i])
    assert sum(c["po_required"] == "yes" for c in clients.values()) >= 2
    assert all(f["po"] for f in invoices if clients[f["client"]]["po_required"] == "yes")
    assert sum(c["reminders_paused"] == "yes" for c in clients.values()) == 1
    assert sum(c["language"] == "en" for c in clients.values()) >= 2
    assert {c["terms"] for c in clients.values()} >= {"30d", "45d_eom", "60d", "on_receipt"}
    assert any(p["invoice"] is None for p in t["Paiements"])
    assert {p["mode"] for p in t["Paiements"]} >= {"transfer", "cheque", "direct_debit"}
    assert {e["validated"] for e in t["Temps"]} == {"yes", "no"}
    rates = {e["rate"] for e in t["Temps"]}
    assert min(rates) >= 650 and max(rates) <= 1100
    assert {e["quantity"] for e in t["Temps"]} == {Decimal("0.5"), Decimal(1)}
    partial = [f for f, amount in open_items(demo, TODAY)
               if 0 < amount < invoice_total_by_id(demo)[f["id"]]]
    assert partial


def round_half(x: Decimal) -> Decimal:
    from pyfuncs.domain.money import to_cents
    return to_cents(x)


def test_every_planted_mistake_is_there_and_only_where_planted(case):
    any_demo = case.data
    t = any_demo.tables
    kinds = {p["kind"] for p in any_demo.planted}
    assert kinds == {"vat_rate_differs_from_quote", "missing_siren", "over_billing",
                     "payment_unknown_invoice", "milestone_not_invoiced"}
    for p in any_demo.planted:
        assert p["column"] in S.table(p["table"]).keys and p["problem"]
        assert 0 <= p["row"] < len(t[p["table"]])

    # a business without SIREN; the private person, who needs none, is no mistake
    assert [k for k, c in enumerate(t["Clients"]) if c["country"] == "FR" and not c["siren"]
            and c["private"] != "yes"] == [p["row"] for p in planted(any_demo, "missing_siren")]
    assert sum(c["private"] == "yes" for c in t["Clients"]) == 1

    # invoice lines whose VAT rate differs from the quote's line of the same label
    quote_rates = {(q["quote"], q["version"], q["label"]): q["vat_rate"]
                   for q in t["LignesDevis"]}
    invoices = {f["id"]: f for f in t["Factures"]}
    wrong = []
    for k, line in enumerate(t["LignesFacture"]):
        f = invoices[line["invoice"]]
        rate = quote_rates.get((f["quote"], f["quote_version"], line["label"]))
        if rate is not None and rate != line["vat_rate"]:
            wrong.append(k)
    assert wrong == [p["row"] for p in planted(any_demo, "vat_rate_differs_from_quote")]

    # invoices above their quote's total (net and incl. VAT)
    qcols = columns(any_demo, "Devis")
    qt = quote_totals(qcols, columns(any_demo, "LignesDevis"))
    quote_net = {(n, v): x for n, v, x in zip(qcols["number"], qcols["version"], qt["net"])}
    quote_total = {(n, v): x for n, v, x in zip(qcols["number"], qcols["version"], qt["total"])}
    icols = columns(any_demo, "Factures")
    it = invoice_totals(icols, columns(any_demo, "LignesFacture"))
    net_by, total_by, rows_by = defaultdict(Decimal), defaultdict(Decimal), defaultdict(list)
    for k, (q, v, net, total) in enumerate(zip(icols["quote"], icols["quote_version"],
                                               it["net"], it["total"])):
        if q:
            net_by[(q, v)] += net
            total_by[(q, v)] += total
            rows_by[(q, v)].append(k)
    over = sorted(k for key in net_by if net_by[key] > quote_net[key] for k in rows_by[key])
    assert over == [p["row"] for p in planted(any_demo, "over_billing")]
    assert all(total_by[key] <= quote_total[key] for key in total_by
               if net_by[key] <= quote_net[key])

    # payments naming an invoice that does not exist
    numbers = {f["number"] for f in t["Factures"] if f["number"]}
    unknown = [k for k, p in enumerate(t["Paiements"]) if p["invoice"] and
               p["invoice"] not in numbers]
    assert unknown == [p["row"] for p in planted(any_demo, "payment_unknown_invoice")]

    # a milestone ready long ago and never invoiced
    today = case.today
    stale = [k for k, m in enumerate(t["Echeances"]) if m["status"] == "ready"
             and m["planned_date"] < today - timedelta(days=30)]
    assert stale == [p["row"] for p in planted(any_demo, "milestone_not_invoiced")]
    assert all(t["Echeances"][k]["invoice"] is None for k in stale)


def check_type(col_type: str, choices: str | None, value: object, where: str) -> None:
    if col_type in (S.TEXT, S.ID):
        assert isinstance(value, str) and value == value.strip() and value, where
    elif col_type == S.EMAIL:
        assert isinstance(value, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", value), where
    elif col_type == S.MONEY:
        assert isinstance(value, Decimal) and value.as_tuple().exponent == -2, where
    elif col_type in (S.NUMBER, S.RATE):
        assert isinstance(value, Decimal) and value.is_finite(), where
        if col_type == S.RATE:
            assert 0 <= value <= 1, where
    elif col_type == S.DATE:
        assert type(value) is date, where
    elif col_type == S.INT:
        assert type(value) is int, where
    elif col_type in (S.BOOL, S.CHOICE):
        assert value in S.CHOICES[choices], where
    else:  # pragma: no cover - a new column type needs a rule here
        raise AssertionError(f"unknown type {col_type}")


def test_every_value_has_its_schema_type_and_no_formula_column_is_given(any_demo):
    assert set(any_demo.tables) == {t.name for t in S.TABLES if t.name != "Parametres"}
    for name, rows in any_demo.tables.items():
        tbl = S.table(name)
        inputs = {c.key for c in tbl.columns if not c.computed}
        for k, row in enumerate(rows):
            assert set(row) == inputs, (name, k)
            for col in tbl.columns:
                value = row.get(col.key)
                if value is not None:
                    check_type(col.type, col.choices, value, f"{name}[{k}].{col.key}")
    for line in any_demo.tables["LignesFacture"] + any_demo.tables["LignesDevis"]:
        assert line["vat_rate"] in S.VAT_RATES


def test_every_required_column_is_filled_and_unique_columns_do_not_repeat(any_demo):
    for name, rows in any_demo.tables.items():
        tbl = S.table(name)
        for col in tbl.columns:
            if col.computed:
                continue
            values = [row[col.key] for row in rows]
            if col.required:
                assert all(v not in (None, "") for v in values), (name, col.key)
            if col.unique:
                present = [v for v in values if v is not None]
                assert len(present) == len(set(present)), (name, col.key)
        if tbl.key:
            keys = [tuple(row[k] for k in tbl.key) for row in rows]
            assert len(keys) == len(set(keys)), name


def test_foreign_keys_resolve(any_demo):
    t = any_demo.tables
    clients = {c["id"] for c in t["Clients"]}
    quotes = {(q["number"], q["version"]) for q in t["Devis"]}
    invoices = {f["id"]: f for f in t["Factures"]}
    numbers = {f["number"]: f for f in t["Factures"] if f["number"]}
    unknown_payments = {p["row"] for p in planted(any_demo, "payment_unknown_invoice")}
    for name in ("Devis", "Temps", "Factures", "Paiements", "Relances"):
        assert all(row["client"] in clients for row in t[name]), name
    assert all((q["quote"], q["version"]) in quotes for q in t["LignesDevis"])
    assert all(f["quote"] is None or (f["quote"], f["quote_version"]) in quotes
               for f in invoices.values())
    assert all(line["invoice"] in invoices for line in t["LignesFacture"])
    assert all(f["credited"] is None or f["credited"] in numbers for f in invoices.values())
    quote_numbers = {n for n, _ in quotes}
    for m in t["Echeances"]:
        assert m["quote"] in quote_numbers
        assert (m["status"] == "invoiced") == (m["invoice"] is not None)
        if m["invoice"]:
            assert numbers[m["invoice"]]["quote"] == m["quote"]
    for e in t["Temps"]:
        if e["invoice"]:
            assert numbers[e["invoice"]]["client"] == e["client"] and e["validated"] == "yes"
    for k, p in enumerate(t["Paiements"]):
        if p["invoice"] and k not in unknown_payments:
            assert numbers[p["invoice"]]["client"] == p["client"]
    for r in t["Relances"]:
        assert all(numbers[n.strip()]["client"] == r["client"] for n in r["invoices"].split(","))


def test_time_entries_add_up_to_the_days_invoiced(any_demo):
    days: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for e in any_demo.tables["Temps"]:
        if e["invoice"]:
            days[(e["invoice"], e["consultant"])] += e["quantity"]
    ids = {f["number"]: f["id"] for f in any_demo.tables["Factures"] if f["number"]}
    lines: dict[tuple[str, str], Decimal] = {}
    for line in any_demo.tables["LignesFacture"]:
        parts = line["label"].split(" – ")
        if line["unit"] in ("jour", "day") and (line["source"] or "").startswith("Temps"):
            lines[(line["invoice"], parts[1])] = line["quantity"]
    assert days
    for (number, consultant), qty in days.items():
        assert lines[(ids[number], consultant)] == qty


def test_quote_based_invoices_reproduce_the_quote_lines(any_demo):
    t = any_demo.tables
    quote_lines = defaultdict(list)
    for q in t["LignesDevis"]:
        quote_lines[(q["quote"], q["version"])].append(
            (q["label"], q["quantity"], q["unit"], q["unit_price"], q["vat_rate"]))
    invoices = {f["id"]: f for f in t["Factures"]}
    copied = defaultdict(list)
    for line in t["LignesFacture"]:
        if (line["source"] or "").startswith("Devis "):
            copied[line["invoice"]].append(
                (line["label"], line["quantity"], line["unit"], line["unit_price"],
                 line["vat_rate"]))
    assert copied
    vat_rows = {t["LignesFacture"][p["row"]]["invoice"] for p in any_demo.planted
                if p["kind"] == "vat_rate_differs_from_quote"}
    for inv_id, lines in copied.items():
        f = invoices[inv_id]
        expected = quote_lines[(f["quote"], f["quote_version"])]
        if inv_id in vat_rows:
            assert [x[:4] for x in lines] == [x[:4] for x in expected]
        else:
            assert lines == expected, f["number"]


def test_the_demo_summary_names_the_sheets_in_the_workbooks_language(tmp_path) -> None:
    """An English workbook's summary sends the user to its English sheets."""
    from pyfuncs.demo.job import DemoSummary
    text_en = DemoSummary(tmp_path / "x.xlsx", {}, 5, findings={"error": 4}, to_issue=2,
                          reminders=(3, tmp_path), lang="en").text()
    for name in ("Checks sheet", "Billing preview sheet", "Reminders to send sheet",
                 "Dashboard sheet"):
        assert name in text_en
    assert "Contrôles" not in text_en and "Tableau de bord" not in text_en
    text_fr = DemoSummary(tmp_path / "x.xlsx", {}, 5, findings={"error": 4}).text()
    assert "Contrôles sheet" in text_fr and "Tableau de bord sheet" in text_fr
