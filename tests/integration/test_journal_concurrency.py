"""Several people issuing at once against one PostgreSQL journal, as real processes: each
runs `facturier generate` on their own copy of one workbook, some killed with SIGKILL at
random points, the server restarted in the middle. Whatever happened, once everyone has
run again: numbers gapless and unique per series, every draft billed once, every copy
showing every document, the hash chain whole."""
from __future__ import annotations

import copy
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyfuncs.adapters.journal import Journal
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.jobs.check import run_check
from pyfuncs.jobs.template import build_workbook
from tests.integration.test_generate import TODAY
from tests.support.postgres import pg_server, pg_url  # noqa: F401 - fixtures
from tests.unit.test_checks import clean_settings, clean_tables, invoice, line

PER_PERSON = 4
# the clean workbook also has a milestone to bill, in every copy: whoever comes first bills
# it, and the others must not bill it again
COMMON = 1


def team_copies(tmp_path: Path, url: str, people: int) -> list[Path]:
    """One workbook with PER_PERSON drafts per person; copy i has its own drafts marked
    to issue (each person issues their own clients' invoices)."""
    t = copy.deepcopy(clean_tables())
    drafts = [f"F{200 + k}" for k in range(people * PER_PERSON)]
    t["Factures"] += [invoice(d, None, None, "C1", status="draft") for d in drafts]
    t["LignesFacture"] += [line(d, f"Prestation {d}", 1, str(100 + k))
                           for k, d in enumerate(drafts)]
    books = []
    for i in range(people):
        mine = set(drafts[i * PER_PERSON:(i + 1) * PER_PERSON])
        tables = copy.deepcopy(t)
        for row in tables["Factures"]:
            if row["id"] in mine:
                row["status"] = "to_issue"
        folder = tmp_path / f"person{i}"
        folder.mkdir()
        book = folder / "Facturation.xlsx"
        build_workbook(book, data=tables, settings={**clean_settings(), "journal_path": url},
                       today=TODAY)
        books.append(book)
    return books


def start(book: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen([sys.executable, "-m", "pyfuncs.cli", "generate", str(book),
                             "--date", TODAY.isoformat()], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def everyone_again(books: list[Path]) -> None:
    """Each person runs once more, one after the other: whatever was interrupted is
    replayed, and each copy catches up with the others' documents."""
    for book in books:
        done = start(book)
        out, err = done.communicate(timeout=300)
        assert done.returncode == 0, err
    for book in books:  # a second round: the first ones now see the last ones' documents
        done = start(book)
        out, err = done.communicate(timeout=300)
        assert done.returncode == 0 and "issued 0 document(s)" in out, err


def assert_consistent(books: list[Path], url: str, people: int) -> None:
    with Journal(url) as journal:
        entries = journal.entries()
        assert journal.verify() == [] and journal.pending() == []
    numbers = [e.number for e in entries]
    first = 9  # the clean workbook ends at FAC2026-0008
    total = people * PER_PERSON + COMMON
    assert numbers == [f"FAC2026-{n:04d}" for n in range(first, first + total)]
    sources = [s for e in entries for s in e.sources]
    assert len(sources) == len(set(sources)) == total  # each draft, the milestone, once
    for book in books:
        rows = read_workbook(book).tables["Factures"].records()
        issued = sorted(r.number for r in rows if r.number and r.number >= "FAC2026-0009")
        assert issued == numbers, book
        ids = [r.id for r in rows]
        assert len(ids) == len(set(ids))
        assert not [f for f in run_check(book, TODAY).findings
                    if f.code.startswith("REGISTER")]


@pytest.mark.parametrize("people", [2, 8])
def test_people_issuing_at_the_same_second_get_gapless_numbers_and_see_each_other(
        tmp_path: Path, pg_url: str, people: int) -> None:  # noqa: F811
    books = team_copies(tmp_path, pg_url, people)
    runs = [start(book) for book in books]
    results = [(r.communicate(timeout=600), r.returncode) for r in runs]
    for (out, err), code in results:
        assert code == 0, err  # nobody refused: each issued their own drafts
    assert sum(int(out.split("issued ")[1].split()[0]) for (out, _), _ in results) == \
        people * PER_PERSON + COMMON
    everyone_again(books)
    assert_consistent(books, pg_url, people)


def test_kills_at_random_points_and_a_server_restart_leave_no_gap_and_no_double(
        tmp_path: Path, pg_server, pg_url: str) -> None:  # noqa: F811
    people = 4
    books = team_copies(tmp_path, pg_url, people)
    rng = random.Random(25)
    runs = [start(book) for book in books]
    time.sleep(rng.uniform(1.0, 3.0))
    for victim in rng.sample(runs, 2):
        victim.kill()  # SIGKILL, wherever it is: reading, numbering or writing
    pg_server.restart()  # the others lose their connection, or not, depending on timing
    for run in runs:
        _, err = run.communicate(timeout=600)
        if run.returncode not in (0, -9):
            line_ = err.strip()
            assert len(line_.splitlines()) == 1 and "unexpected error" not in line_, line_
    everyone_again(books)
    assert_consistent(books, pg_url, people)


def test_a_copy_of_a_copy_made_while_the_team_issues_catches_up_too(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    books = team_copies(tmp_path, pg_url, 2)
    late = tmp_path / "late" / "Facturation.xlsx"
    late.parent.mkdir()
    shutil.copy2(books[0], late)  # same drafts to issue as person 0
    for book in (books[0], books[1], late):
        done = start(book)
        out, err = done.communicate(timeout=300)
        assert done.returncode == 0, err
    assert "issued 0 document(s)" in out  # person 0 billed them already
    everyone_again([*books, late])
    assert_consistent([*books, late], pg_url, 2)


def _send(book: str, go) -> None:
    from pyfuncs.jobs.reminders import run_remind
    from pyfuncs.jobs.sending import run_send_invoices
    go.wait()
    run_send_invoices(Path(book), TODAY, send=True)
    run_remind(Path(book), TODAY, send=True, environ={})


def test_three_people_sending_at_once_send_each_invoice_and_each_reminder_once(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    import multiprocessing

    from pyfuncs.adapters.xlsx_write import WorkbookWriter
    from pyfuncs.jobs.reminders import run_remind
    from pyfuncs.jobs.sending import run_send_invoices
    from tests.integration.test_remind import Inbox, Server
    from tests.integration.test_remind import workbook as remind_book
    inbox = Inbox()
    with Server(inbox) as server:
        base = remind_book(tmp_path, server.port, extra_clients=6)
        table = read_workbook(base, ["Parametres"]).tables["Parametres"]
        keys = [str(k).casefold() for k in table.cols["key"]]
        writer = WorkbookWriter(base)
        writer.set_cells("Parametres", [(table.rows[keys.index("journal_path")],
                                         table.labels["value"], pg_url)])
        writer.commit()
        invoices = {o.number for o in run_send_invoices(base, TODAY).emails}
        reminders = {o.mailing.key for o in run_remind(base, TODAY, environ={}).emails
                     if o.message is not None}
        assert invoices and reminders
        books = []
        for i in range(3):
            book = tmp_path / f"person{i}" / "Facturation.xlsx"
            book.parent.mkdir()
            shutil.copy2(base, book)
            books.append(book)
        ctx = multiprocessing.get_context("spawn")
        go = ctx.Event()
        senders = [ctx.Process(target=_send, args=(str(b), go)) for b in books]
        for p in senders:
            p.start()
        go.set()
        for p in senders:
            p.join(timeout=300)
        assert [p.exitcode for p in senders] == [0, 0, 0]
    sent_invoices = [str(m["X-Facturier-Invoice"]).strip() for _, m in inbox.messages
                     if m["X-Facturier-Invoice"]]
    sent_reminders = [str(m["X-Facturier-Reminder"]).strip() for _, m in inbox.messages
                      if m["X-Facturier-Reminder"]]
    assert sorted(sent_invoices) == sorted(invoices)  # each once, none lost
    assert sorted(sent_reminders) == sorted(reminders)
