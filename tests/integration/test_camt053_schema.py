"""Every camt.053 the product or its tests write is valid against the official ISO 20022
schema of its version (tests/fixtures/iso20022, provenance in its README), checked with
lxml; and the demo statement shows every case of the bank matching."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from pyfuncs.adapters.statements import read_statement
from pyfuncs.demo.bank import CASES
from pyfuncs.demo.job import build_demo, write_demo_statement
from tests.fixtures.camt053 import STATEMENT, camt053

HERE = Path(__file__).parents[1] / "fixtures"
TODAY = date(2026, 11, 23)


@cache
def schema(version: int) -> etree.XMLSchema:
    path = HERE / "iso20022" / f"camt.053.001.{version:02d}.xsd"
    assert path.exists(), f"{path} is missing: the schemas are vendored, never skipped"
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid(doc: etree._ElementTree | etree._Element, version: int) -> None:
    xsd = schema(version)
    assert xsd.validate(doc), "\n".join(str(e) for e in xsd.error_log)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    path, data = build_demo(tmp_path_factory.mktemp("demo"), None, TODAY)
    return path, write_demo_statement(path, data, TODAY)


def test_the_demo_statement_is_a_valid_camt053_001_02(demo):
    _, statement = demo
    doc = etree.parse(str(statement))
    assert etree.QName(doc.getroot()).namespace.endswith("camt.053.001.02")
    assert_valid(doc, 2)


def test_the_demo_statement_shows_every_case_and_is_the_same_each_time(demo, tmp_path):
    path, statement = demo
    st = read_statement(statement)
    assert st.format == "camt.053" and len(st.entries) == 8 and st.ignored == 3
    assert st.entries[0].date >= date(2026, 10, 24) and st.entries[-1].date < TODAY
    assert len({e.key for e in st.entries}) == 8
    texts = " | ".join(e.text for e in st.entries)
    assert "REGLEMENT FACTURES FAC" in texts and "REMBOURSEMENT" not in texts
    assert {e.payer for e in st.entries} >= {"SCI LES TILLEULS",
                                             "SERVICE COMPTABILITE FOURNISSEURS"}
    assert set(CASES) == {"three", "no-prefix", "typo", "partial", "iban", "name", "fee",
                          "unknown", "refund"}
    # deterministic: built again from the same workbook and day, byte for byte
    from pyfuncs.demo.data import demo_data
    first = statement.read_bytes()
    statement.unlink()
    again = write_demo_statement(path, demo_data(TODAY), TODAY)
    assert again == statement and again.read_bytes() == first
    assert sum(e.amount for e in st.entries) > Decimal(0)


def test_the_shipped_fixture_statement_is_valid():
    assert_valid(etree.parse(str(HERE / "bank" / "releve_camt053.xml")), 2)


@pytest.mark.parametrize("version", range(2, 9))
def test_the_test_statements_are_valid_in_every_version_read(version):
    assert_valid(etree.fromstring(camt053(STATEMENT, version=version)), version)


def test_the_schema_rejects_a_statement_that_breaks_it():
    """The check is not vacuous: an entry without its credit/debit indicator fails."""
    broken = camt053(STATEMENT[:1]).replace(b"<CdtDbtInd>CRDT</CdtDbtInd>\n    <Sts>",
                                            b"<Sts>", 1)
    assert not schema(2).validate(etree.fromstring(broken))


@pytest.mark.parametrize(("today", "invoices"), [(date(2026, 3, 2), 150),
                                                 (date(2027, 1, 4), 600)])
def test_a_demo_of_another_size_or_day_still_gets_a_valid_statement(tmp_path, today,
                                                                    invoices):
    path, data = build_demo(tmp_path, invoices, today)
    statement = write_demo_statement(path, data, today)
    assert_valid(etree.parse(str(statement)), 2)
    st = read_statement(statement)
    assert st.entries and all(today - timedelta(days=30) <= e.date < today
                              for e in st.entries)
