"""send-invoices against a real SMTP server on 127.0.0.1: preview, sending with the
Factur-X PDF attached, the sent date in Factures, exactly once across failures and
crashes."""
from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.adapters.xlsx_write import WorkbookWriter
from pyfuncs.jobs.sending import run_send_invoices
from tests.integration.test_remind import Inbox, Server, workbook

TODAY = date(2026, 11, 23)


def sent_dates(path) -> dict[str, object]:
    inv = read_workbook(path, ["Factures"]).tables["Factures"]
    return {r.number: r.sent_date for r in inv.records() if r.number}


def test_issued_documents_are_previewed_then_sent_with_their_pdf_once(tmp_path):
    inbox = Inbox()
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port)
        unsent = [n for n, d in sent_dates(path).items() if d is None]
        preview = run_send_invoices(path, TODAY)
        assert sorted(o.number for o in preview.emails) == sorted(unsent)
        assert len(list((tmp_path / "book-factures").glob("*.eml"))) == len(unsent)
        assert inbox.messages == [] and not (tmp_path / "book.facturier-journal.sqlite").exists()

        result = run_send_invoices(path, TODAY, send=True)
        assert result.count("sent") == len(unsent) == len(inbox.messages)
        to, msg = next((r, m) for r, m in inbox.messages
                       if m["X-Facturier-Invoice"] == "FAC2026-0007")
        assert to == ["factures@client.example"]
        assert "FAC2026-0007" in str(msg["Subject"]) and "Altiplano" in str(msg["Subject"])
        body = msg.get_body(("plain",)).get_content()
        assert "notre facture FAC2026-0007 du 16/09/2026" in body and "10\u202f800,00\u00a0€" in body
        attachment, = list(msg.iter_attachments())
        assert attachment.get_filename() == "FAC2026-0007.pdf"
        assert attachment.get_content().startswith(b"%PDF")
        assert all(sent_dates(path)[n] == TODAY for n in unsent)

        again = run_send_invoices(path, TODAY, send=True)
        assert again.emails == [] and len(inbox.messages) == len(unsent)


def test_a_server_failing_mid_batch_then_a_rerun_sends_only_the_rest(tmp_path):
    inbox = Inbox(fail_after=2)
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port)
        first = run_send_invoices(path, TODAY, send=True)
        assert first.count("sent") == 2 and first.count("failed") >= 1 and first.errors
        sent = {str(m["X-Facturier-Invoice"]) for _, m in inbox.messages}
        assert {n for n, d in sent_dates(path).items() if d} == sent
        inbox.fail_after = None
        second = run_send_invoices(path, TODAY, send=True)
        numbers = [str(m["X-Facturier-Invoice"]) for _, m in inbox.messages]
        assert len(numbers) == len(set(numbers)) == 2 + second.count("sent")
        assert not second.errors


def test_a_crash_after_sending_is_completed_by_the_next_run_without_resending(tmp_path,
                                                                            monkeypatch):
    inbox = Inbox()
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port)

        def crash(self, *args, **kwargs):
            raise OSError("disk full")
        monkeypatch.setattr(WorkbookWriter, "commit", crash)
        with pytest.raises(OSError):
            run_send_invoices(path, TODAY, send=True)
        monkeypatch.undo()
        count = len(inbox.messages)
        assert count and not any(sent_dates(path).values())
        result = run_send_invoices(path, TODAY, send=True)
        assert result.emails == [] and result.replayed == count
        assert len(inbox.messages) == count  # nothing sent twice
        assert sum(1 for d in sent_dates(path).values() if d) == count


def test_the_command_previews_by_default_and_needs_a_server_to_send(tmp_path):
    path = workbook(tmp_path, 9)  # nothing listens on port 9
    done = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "send-invoices", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "document(s) to send; .eml files in" in done.stdout
    done = subprocess.run([sys.executable, "-m", "pyfuncs.cli", "send-invoices", str(path),
                           "--send"], capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert "failed" in done.stdout and not any(sent_dates(path).values())
