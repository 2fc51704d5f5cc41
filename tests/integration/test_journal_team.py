"""A team on one PostgreSQL journal, as users run it: `facturier` commands on real
workbooks whose Paramètres › Journal holds the URL, against a real server."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from pyfuncs.adapters.journal import (
    SCHEMA_VERSION,
    Journal,
    JournalError,
    JournalMismatch,
    JournalUnreachable,
)
from pyfuncs.adapters.journal import postgres as pg
from pyfuncs.adapters.journal import sqlite as lite
from pyfuncs.adapters.journal.store import is_url
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.jobs.check import run_check
from pyfuncs.jobs.invoicing import run_generate
from tests.integration.test_generate import TODAY, workbook
from tests.support.postgres import (  # noqa: F401 - fixtures
    PASSWORD,
    ROLE,
    journal_where,
    pg_server,
    pg_url,
)
from tests.unit.test_checks import clean_settings


def facturier(*args: str | Path, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    base = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-m", "pyfuncs.cli", *map(str, args)],
                          check=False, capture_output=True, text=True, timeout=300,
                          env={**base, **(env or {})})


def team_book(tmp_path: Path, url: str, name: str = "book", **settings: object) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    values = {**clean_settings(), "journal_path": url, **settings}
    book = workbook(folder, settings=values)
    return book


def numbers_in(book: Path) -> list[str]:
    rows = read_workbook(book).tables["Factures"].records()
    return sorted(r.number for r in rows if r.number)


def test_generate_on_a_shared_journal_and_a_second_copy_shows_the_first_copys_documents(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    first = team_book(tmp_path, pg_url)
    second = tmp_path / "second.xlsx"
    shutil.copy2(first, second)  # a colleague's copy, read before the first one issued
    issued = run_generate(first, TODAY)
    assert len(issued.issued) == 5
    assert not (first.parent / "book.facturier-journal.sqlite").exists()  # no SQLite file
    again = run_generate(second, TODAY)
    assert again.issued == []  # every source was billed once, by the first copy
    assert sorted(again.replayed) == sorted(d.number for d in issued.issued)
    assert numbers_in(second) == numbers_in(first)
    refs = [r.id for r in read_workbook(second).tables["Factures"].records()]
    assert len(refs) == len(set(refs))  # the replayed rows took refs of their own
    assert not [f for f in run_check(second, TODAY).findings
                if f.code.startswith("REGISTER")]
    with Journal(pg_url) as journal:
        assert journal.verify() == [] and journal.pending() == []
        assert [e.number for e in journal.entries()] == [d.number for d in issued.issued]


def test_check_names_a_copy_whose_rows_disagree_with_the_shared_journal(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    book = team_book(tmp_path, pg_url)
    run_generate(book, TODAY)
    old = tmp_path / "old.xlsx"
    shutil.copy2(book, old)
    # someone edits an issued invoice's client on their copy
    from pyfuncs.adapters.xlsx_write import WorkbookWriter
    table = read_workbook(old).tables["Factures"]
    row = table.rows[[r.number for r in table.records()].index("FAC2026-0009")]
    writer = WorkbookWriter(old)
    writer.set_cells("Factures", [(row, table.labels["client"], "C2")])
    writer.commit()
    found = [f for f in run_check(old, TODAY).findings if f.code == "REGISTER-EDITED"]
    assert [f.ref for f in found] == ["FAC2026-0009"] and "client" in found[0].message


def test_a_shared_journal_used_by_another_company_is_refused_naming_both(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    mine = team_book(tmp_path, pg_url)
    run_generate(mine, TODAY)
    other = team_book(tmp_path, pg_url, name="other", seller_siren="552100554",
                      seller_siret=None, seller_vat=None)
    before = other.read_bytes()
    with pytest.raises(JournalMismatch) as caught:
        run_generate(other, TODAY)
    message = caught.value.en
    assert pg_url in message and "552100554" in message
    assert str(clean_settings()["seller_siren"]) in message and "book.xlsx" in message
    assert other.read_bytes() == before


def test_a_url_holding_a_password_is_refused_and_the_password_never_shown(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    leaky = pg_url.replace(f"{ROLE}@", f"{ROLE}:{PASSWORD}@")
    book = team_book(tmp_path, leaky)
    result = facturier("generate", book, "--date", TODAY.isoformat(),
                       env={"HOME": str(tmp_path)})
    assert result.returncode != 0
    assert "mot de passe" in result.stderr and PASSWORD not in result.stderr + result.stdout
    assert "***" in result.stderr and "unexpected error" not in result.stderr


def test_a_wrong_password_or_a_server_down_is_one_line_naming_the_url(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    book = team_book(tmp_path, pg_url)
    result = facturier("generate", book, "--date", TODAY.isoformat(),
                       env={"FACTURIER_JOURNAL_PASSWORD": "wrong"})
    assert result.returncode != 0
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "unexpected error" not in line, line
    assert pg_url in line and "injoignable" in line and "wrong" not in line


def test_the_password_comes_from_pgpass_when_nothing_else_gives_it(
        tmp_path: Path, pg_server, pg_url: str) -> None:  # noqa: F811
    book = team_book(tmp_path, pg_url)
    home = tmp_path / "home"
    home.mkdir()
    pgpass = home / ".pgpass"
    pgpass.write_text(f"127.0.0.1:{pg_server.port}:*:{ROLE}:{PASSWORD}\n")
    pgpass.chmod(0o600)
    env = {k: v for k, v in os.environ.items()
           if k not in ("FACTURIER_JOURNAL_PASSWORD", "PGPASSWORD")}
    env.update(HOME=str(home), PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    result = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "generate", str(book),
                             "--date", TODAY.isoformat()], check=False, capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "issued 5 document(s)" in result.stdout


def test_the_password_comes_from_the_system_keyring_when_no_variable_gives_it(
        tmp_path: Path, pg_server, pg_url: str) -> None:  # noqa: F811
    """A real keyring (keyrings.alt's file backend, standing in for the desktop's Secret
    Service or Windows Credential Manager, which do not run here): the password stored
    under "facturier-journal", user "facturier@127.0.0.1", opens the shared journal."""
    book = team_book(tmp_path, pg_url)
    home = tmp_path / "home"
    home.mkdir()  # no ~/.pgpass there
    env = {k: v for k, v in os.environ.items()
           if k not in ("FACTURIER_JOURNAL_PASSWORD", "PGPASSWORD")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    store = ("import keyring, sys; keyring.set_password('facturier-journal', sys.argv[1], "
             "sys.argv[2])")
    subprocess.run([sys.executable, "-c", store, f"{ROLE}@127.0.0.1", PASSWORD], check=True,
                   env=env, timeout=60)
    assert list((home / "data").rglob("*.cfg")), "the keyring's file was not written"
    result = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "generate", str(book),
                             "--date", TODAY.isoformat()], check=False, capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "issued 5 document(s)" in result.stdout
    env.pop("PYTHON_KEYRING_BACKEND")  # the same, without the keyring: refused, said so
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    again = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "generate", str(book),
                            "--date", TODAY.isoformat()], check=False, capture_output=True,
                           text=True, timeout=300, env=env)
    assert again.returncode != 0 and "unexpected error" not in again.stderr
    assert PASSWORD not in again.stderr + again.stdout


def _apply(where: Path | str, migrations: tuple[tuple[str, ...], ...]) -> None:
    """A journal as an older Facturier left it: only the first schema versions."""
    if is_url(where):
        db = psycopg.connect(str(where), autocommit=True, password=PASSWORD)
    else:
        import sqlite3
        db = sqlite3.connect(str(where), isolation_level=None)
    for statements in migrations:
        for statement in statements:
            db.execute(statement)
    db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)"
               if not is_url(where) else
               "INSERT INTO meta (key, value) VALUES ('schema_version', %s)",
               (str(len(migrations)),))
    db.close()


def test_an_older_journal_is_brought_to_the_current_schema_on_first_use(
        journal_where: Path | str) -> None:  # noqa: F811
    migrations = pg.MIGRATIONS if is_url(journal_where) else lite.MIGRATIONS
    assert len(migrations) == SCHEMA_VERSION == len(lite.MIGRATIONS)
    _apply(journal_where, migrations[:2])  # documents and reminders, no bank yet
    with Journal(journal_where) as journal:
        assert journal.meta("schema_version") == str(SCHEMA_VERSION)
        assert journal.bank_import([{
            "entry_key": "k1", "reference": "R1", "account": "FR76", "booking_date":
            "2026-03-02", "amount": "120.00", "currency": "EUR", "text": "FAC2026-0001",
            "payer": "Client", "iban": "FR76", "source": "releve.xml"}]) == ["k1"]
        journal.bank_suggest({"k1": {"client": "C1", "invoices": ["FAC2026-0001"]}})
        assert journal.bank_entries()[0]["suggested"] == {"client": "C1",
                                                          "invoices": ["FAC2026-0001"]}
    with Journal(journal_where) as journal:  # reopening an up-to-date one changes nothing
        assert journal.backend.schema_version() == SCHEMA_VERSION


def test_a_journal_from_a_newer_facturier_is_refused_on_both_backends(
        journal_where: Path | str) -> None:  # noqa: F811
    Journal(journal_where).close()
    with Journal(journal_where) as journal:
        journal.set_meta("schema_version", "999")
    with pytest.raises(JournalError) as caught:
        Journal(journal_where)
    assert "999" in caught.value.en


def test_an_unreachable_server_is_said_without_a_traceback(monkeypatch) -> None:
    monkeypatch.setenv("FACTURIER_JOURNAL_PASSWORD", "x")
    with pytest.raises(JournalUnreachable) as caught:
        Journal("postgresql://facturier@127.0.0.1:1/compta?connect_timeout=3")
    assert "postgresql://facturier@127.0.0.1:1/compta" in caught.value.en


# ---------------------------------------------------------------- facturier journal migrate

def sqlite_book(tmp_path: Path) -> Path:
    """A workbook that issued on its SQLite journal, with a bank credit and a reminder."""
    book = workbook(tmp_path)
    assert len(run_generate(book, TODAY).issued) == 5
    with Journal(tmp_path / "book.facturier-journal.sqlite") as journal:
        journal.bank_import([{
            "entry_key": "k1", "reference": "R1", "account": "FR76", "booking_date":
            "2026-11-20", "amount": "120.00", "currency": "EUR", "text": "FAC2026-0009",
            "payer": "Client", "iban": "FR76", "source": "releve.xml"}])
        journal.record_reminder("<m1@facturier>", "client", "C1", 1, ["c1@example.com"],
                                "Relance", TODAY, [("FAC2026-0001", "", 1)], {"body": "x"})
    return book


def chain(where: Path | str) -> list[tuple[int, str, str, str]]:
    with Journal(where) as journal:
        return [(e.seq, e.number, e.chain_hash, e.state) for e in journal.entries()]


def test_migrate_copies_the_journal_verifies_it_and_switches_the_setting(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    book = sqlite_book(tmp_path)
    lite_file = tmp_path / "book.facturier-journal.sqlite"
    before, archived = chain(lite_file), lite_file.read_bytes()
    result = facturier("journal", "migrate", book, "--to", pg_url)
    assert result.returncode == 0, result.stderr
    assert "5 document(s)" in result.stdout and "hash chain verified" in result.stdout
    assert read_workbook(book, ["Parametres"]).settings["journal_path"] == pg_url
    assert chain(pg_url) == before  # nothing renumbered, every hash the same
    assert lite_file.read_bytes() == archived  # the SQLite file kept as it was
    with Journal(pg_url) as journal:
        assert journal.verify() == []
        assert [e["entry_key"] for e in journal.bank_entries()] == ["k1"]
        assert journal.reminded_levels() == {("fac2026-0001", ""): 1}
    assert not [f for f in run_check(book, TODAY).findings if f.code.startswith("REGISTER")]
    again = facturier("generate", book, "--date", TODAY.isoformat())
    assert again.returncode == 0 and "issued 0 document(s)" in again.stdout, again.stderr
    rerun = facturier("journal", "migrate", book, "--to", pg_url)
    assert rerun.returncode == 0 and "nothing to do" in rerun.stdout


def test_migrate_interrupted_before_the_switch_is_rerun_and_copies_what_came_since(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from pyfuncs.adapters.xlsx_write import WorkbookWriter
    from pyfuncs.jobs.journal_migrate import run_journal_migrate
    book = workbook(tmp_path)
    first = run_generate(book, TODAY)
    original = WorkbookWriter.commit

    def power_cut(self, **kwargs):  # the copy is in PostgreSQL, the setting not switched
        raise KeyboardInterrupt

    monkeypatch.setattr(WorkbookWriter, "commit", power_cut)
    with pytest.raises(KeyboardInterrupt):
        run_journal_migrate(book, pg_url)
    monkeypatch.setattr(WorkbookWriter, "commit", original)
    assert read_workbook(book, ["Parametres"]).settings["journal_path"] in (None, "")
    assert len(chain(pg_url)) == len(first.issued)
    # the accountant went on issuing on the SQLite journal meanwhile
    from pyfuncs.adapters.xlsx_write import WorkbookWriter as Writer
    table = read_workbook(book).tables["Factures"]
    f10 = table.rows[[r.id for r in table.records()].index("F10")]
    writer = Writer(book)
    writer.set_cells("Factures", [(f10, table.labels["status"], "À émettre")])
    writer.commit()
    later = run_generate(book, TODAY)
    assert len(later.issued) == 1
    result = run_journal_migrate(book, pg_url)
    assert result.copied.documents == 1 and result.entries == len(first.issued) + 1
    assert chain(pg_url) == chain(tmp_path / "book.facturier-journal.sqlite")
    assert read_workbook(book, ["Parametres"]).settings["journal_path"] == pg_url


def _big_journal(path: Path, count: int) -> None:
    from pyfuncs.adapters.journal import NewDocument
    from pyfuncs.domain.numbering import parse_pattern
    pattern = parse_pattern("FAC{YYYY}-{NNNN}", yearly_reset=True)
    key = pattern.key(TODAY)
    from decimal import Decimal
    docs = [NewDocument(f"FAC2026-{n:04d}", key, n, "invoice", TODAY, "C1",
                        Decimal("100.00"), Decimal("20.00"), Decimal("120.00"),
                        {"legal": {"number": f"FAC2026-{n:04d}"}, "n": n}, (f"temps:{n}",))
            for n in range(1, count + 1)]
    with Journal(path) as journal, journal.transaction() as tx:
        tx.record_many(docs)
    with Journal(path) as journal:
        journal.mark_written(d.number for d in docs)


def test_migrate_killed_at_random_points_is_rerun_to_the_same_journal(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    import random
    import time
    book = team_book(tmp_path, "")
    lite_file = book.with_name("book.facturier-journal.sqlite")
    _big_journal(lite_file, 4000)
    expected = chain(lite_file)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    rng = random.Random(21)
    for _ in range(4):
        process = subprocess.Popen([sys.executable, "-m", "pyfuncs.cli", "journal", "migrate",
                                    str(book), "--to", pg_url], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        process.kill()  # SIGKILL: no cleanup of any kind
        process.wait()
        copied = chain(pg_url)
        assert copied in ([], expected)  # one transaction: all or nothing
    final = facturier("journal", "migrate", book, "--to", pg_url)
    assert final.returncode == 0, final.stderr
    assert chain(pg_url) == expected
    assert read_workbook(book, ["Parametres"]).settings["journal_path"] == pg_url
    with Journal(pg_url) as journal:
        assert journal.verify() == []


def test_migrate_into_a_database_holding_another_journal_is_refused(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    other = team_book(tmp_path, pg_url, name="other")
    # the database already holds another workbook's documents, issued a day earlier (the
    # same documents issued the same second would chain to the same hashes: one journal)
    assert run_generate(other, TODAY - timedelta(days=1)).issued
    book = sqlite_book(tmp_path)
    with Journal(pg_url) as journal:
        before = [e.chain_hash for e in journal.entries()]
    result = facturier("journal", "migrate", book, "--to", pg_url)
    assert result.returncode != 0 and "unexpected error" not in result.stderr
    assert "Choisir une base vide" in result.stderr or "différente" in result.stderr
    with Journal(pg_url) as journal:
        assert [e.chain_hash for e in journal.entries()] == before
    assert read_workbook(book, ["Parametres"]).settings["journal_path"] in (None, "")


def _open(url: str, go) -> None:
    go.wait()
    Journal(url).close()


def test_six_people_opening_a_new_shared_journal_at_the_same_second_all_get_it(
        pg_url: str) -> None:  # noqa: F811
    import multiprocessing
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    openers = [ctx.Process(target=_open, args=(pg_url, go)) for _ in range(6)]
    for p in openers:
        p.start()
    go.set()
    for p in openers:
        p.join(timeout=120)
    assert [p.exitcode for p in openers] == [0] * 6  # one created the schema, all use it
    with Journal(pg_url) as journal:
        assert journal.meta("schema_version") == str(SCHEMA_VERSION)


def test_a_statement_imported_from_two_copies_on_a_shared_journal_is_booked_once(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    from pyfuncs.jobs.bank import run_bank
    from pyfuncs.jobs.template import build_workbook
    from tests.integration.test_bank import FIXTURE, payments, tables
    first = tmp_path / "a" / "Facturation.xlsx"
    first.parent.mkdir()
    build_workbook(first, data=tables(), settings={**clean_settings(), "journal_path": pg_url},
                   today=TODAY)
    second = tmp_path / "b" / "Facturation.xlsx"
    second.parent.mkdir()
    shutil.copy2(first, second)
    done = run_bank(first, [FIXTURE], TODAY)
    assert done.new == 5 and done.booked
    again = run_bank(second, [FIXTURE], TODAY)  # a colleague with the same statement
    assert again.new == 0 and again.known == 5 and again.booked == []
    # nothing booked twice; the second copy gets the first's rows, once (jobs/catchup.py)
    assert again.replayed == 3 and payments(second) == payments(first)
    with Journal(pg_url) as journal:
        entries = journal.bank_entries()
    assert len(entries) == 5 and len({e["entry_key"] for e in entries}) == 5
