"""`facturier remind` end to end: real workbook files, a real SQLite journal, and a real
SMTP server (aiosmtpd on 127.0.0.1) receiving the messages."""
from __future__ import annotations

import copy
import email
import email.policy
import logging
import shutil
import socket
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Self

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from pyfuncs.adapters.journal import Journal
from pyfuncs.adapters.mailer import SmtpSender
from pyfuncs.adapters.xlsx_read import read_workbook
from pyfuncs.documents.render import TEMPLATES
from pyfuncs.jobs.check import run_check
from pyfuncs.jobs.reminders import run_remind
from pyfuncs.jobs.template import build_workbook
from tests.unit.test_checks import clean_settings, clean_tables, invoice, line

TODAY = date(2026, 11, 23)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OWNER = "chef@altiplano.example"
PASSWORD = "s3cret-Pa55word-never-written"


# ----------------------------------------------------------------------------- SMTP server
class Inbox:
    """aiosmtpd handler: keeps what it accepts; after ``fail_after`` messages it answers
    451 to every DATA (a server going wrong mid-batch)."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.fail_after = fail_after

    async def handle_DATA(self, server, session, envelope):
        if self.fail_after is not None and len(self.messages) >= self.fail_after:
            return "451 4.3.0 Mailbox temporarily unavailable"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"

    def by_key(self) -> dict[str, tuple[list[str], email.message.EmailMessage]]:
        return {str(m["X-Facturier-Reminder"]).strip(): (r, m) for r, m in self.messages}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, inbox: Inbox, password: str | None = None) -> None:
        self.inbox = inbox
        self.port = _free_port()
        kwargs = {}
        if password is not None:
            def auth(server, session, envelope, mechanism, data):
                ok = isinstance(data, LoginPassword) and data.password == password.encode()
                return AuthResult(success=ok, handled=False)  # handled: 535 is sent
            kwargs = {"authenticator": auth, "auth_required": True,
                      "auth_require_tls": False}
        self.controller = Controller(inbox, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> Self:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


# ----------------------------------------------------------------------------- workbooks
def workbook(tmp_path: Path, port: int, extra_clients: int = 0, user: str | None = None,
             billing_email: str | None = None, private: tuple[str, ...] = ()) -> Path:
    """The check tests' clean workbook (C1 has FAC2026-0007 38 days late, C4 FAC2026-0004
    207 days late), owners set, plus ``extra_clients`` clients with one invoice each
    20 days late, and SMTP settings pointing at the test server; the clients of
    ``private`` are private persons (Clients › Particulier)."""
    t = copy.deepcopy(clean_tables())
    for c in t["Clients"]:
        c["owner"] = OWNER
        c["billing_contact"] = "Mme Durand"
        if c["id"] in private:
            c.update(private="yes", siren=None, siret=None, vat_number=None,
                     legal_form=None, name="Claire Durand")
    if billing_email is not None:
        t["Clients"][0]["billing_email"] = billing_email
    for k in range(extra_clients):
        cid = f"X{k:03d}"
        t["Clients"].append(dict(t["Clients"][0], id=cid, name=f"Client {k}", siren=None,
                                 siret=None, vat_number=None,
                                 billing_email=f"billing{k}@client{k}.example"))
        day = TODAY - timedelta(days=50)
        t["Factures"].append(invoice(f"G{k:03d}", f"FAC2026-{100 + k:04d}", day, cid,
                                     due=TODAY - timedelta(days=20)))
        t["LignesFacture"].append(line(f"G{k:03d}", "Assistance", 1, str(100 + k)))
    settings = clean_settings()
    settings.update(seller_email="compta@altiplano.example", smtp_host="127.0.0.1",
                    smtp_port=port, smtp_tls="no", smtp_sender="compta@altiplano.example",
                    smtp_user=user)
    path = tmp_path / "book.xlsx"
    build_workbook(path, data=t, settings=settings, today=TODAY)
    return path


def pdf_of(number: str) -> bytes:
    return b"%PDF-1.4 invoice " + number.encode()


def relances(path: Path) -> list[dict]:
    return [r._asdict() for r in read_workbook(path).tables["Relances"].records()]


def body(msg: email.message.EmailMessage) -> str:
    text = msg.get_body(preferencelist=("plain",)).get_content()
    return text.replace("\u202f", " ").replace("\u00a0", " ")


# ----------------------------------------------------------------------------- tests
def test_reminders_reach_a_real_smtp_server_with_recipients_cc_body_and_attachments(tmp_path):
    inbox = Inbox()
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port)
        preview = run_remind(path, TODAY, attach=pdf_of)
        assert {o.mailing.key for o in preview.emails} == \
            {"client:C1", "owner:C4", f"digest:{OWNER}"}
        assert all(o.file and o.file.is_file() for o in preview.emails)
        assert not inbox.messages  # a preview sends nothing
        result = run_remind(path, TODAY, send=True, attach=pdf_of, environ={})
    assert [o.status for o in result.emails] == ["sent"] * 3
    got = inbox.by_key()
    rcpt, msg = got["client:C1"]
    assert rcpt == ["factures@client.example", OWNER]  # level 4: cc the owner
    assert msg["To"] == "factures@client.example" and msg["Cc"] == OWNER
    assert msg["Subject"] == "Mise en demeure de payer : facture FAC2026-0007"
    text = body(msg)
    assert "Bonjour Mme Durand," in text
    assert "FAC2026-0007" in text and "10 800,00 €" in text and "38 jours de retard" in text
    # 10,800 x 12.15 % x 38 / 365 = 136.61 of penalties, plus the 40 EUR indemnity
    assert "136,61 €" in text and "40,00 €" in text and "10 976,61 €" in text
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "<table" in html and "FAC2026-0007" in html
    files = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    assert files["FAC2026-0007.pdf"] == pdf_of("FAC2026-0007")
    letter = files[f"mise-en-demeure-C1-{TODAY.isoformat()}.pdf"]
    assert letter.startswith(b"%PDF")
    # level 5: nothing to the client, the owner is told
    rcpt, msg = got["owner:C4"]
    assert rcpt == [OWNER] and "contentieux" in msg["Subject"]
    assert "FAC2026-0004" in body(msg)
    rcpt, msg = got[f"digest:{OWNER}"]
    assert rcpt == [OWNER] and {"FAC2026-0007", "FAC2026-0004"} <= set(body(msg).split())
    # one Relances row per client email, with the Message-ID the server received
    log = relances(path)
    assert [(r["client"], r["level"], r["status"], r["to"]) for r in log] == [
        ("C1", 4, "sent", f"factures@client.example, {OWNER}"), ("C4", 5, "sent", OWNER)]
    assert log[0]["message_id"] == str(got["client:C1"][1]["Message-ID"]).strip()
    assert log[0]["invoices"] == "FAC2026-0007"

    with Server(Inbox()) as again:  # a rerun the same day sends nothing twice
        path2 = path
        rerun = run_remind(path2, TODAY, send=True, attach=pdf_of,
                           environ={"FACTURIER_SMTP_PORT": str(again.port)})
        assert not rerun.emails and not again.inbox.messages
    # a week later FAC2026-0007 is 45 days late: handed over to the owner, not emailed to
    # the client; FAC2026-0008 (due 29/11) is now late: the client's level 1, alone
    week = {o.mailing.key: o.mailing for o in
            run_remind(path, TODAY + timedelta(days=7)).emails}
    assert set(week) == {"client:C1", "owner:C1", f"digest:{OWNER}"}
    assert week["owner:C1"].record == [("FAC2026-0007", "", 5)]
    assert week["client:C1"].invoices == ["FAC2026-0008"]
    assert week["client:C1"].record == [("FAC2026-0008", "", 1)]
    assert week[f"digest:{OWNER}"].invoices == ["FAC2026-0008"]


def test_a_server_failing_after_k_messages_then_a_rerun_sends_only_the_rest(tmp_path, caplog):
    failing = Inbox(fail_after=3)
    with Server(failing) as server:
        path = workbook(tmp_path, server.port, extra_clients=6)
        with caplog.at_level(logging.WARNING, logger="facturier.remind"):
            first = run_remind(path, TODAY, send=True, environ={})
    statuses = [o.status for o in first.emails]
    assert statuses.count("sent") == 3 and statuses.count("failed") == len(statuses) - 3
    assert "451" in caplog.text  # each failure logged, and the batch went on
    failed_keys = {o.mailing.key for o in first.emails if o.status == "failed"}
    assert [r["status"] for r in relances(path)].count("failed") == \
        sum(1 for k in failed_keys if not k.startswith("digest:"))

    healthy = Inbox()
    with Server(healthy) as server:
        second = run_remind(path, TODAY, send=True,
                            environ={"FACTURIER_SMTP_PORT": str(server.port)})
    assert {o.mailing.key for o in second.emails if o.status == "sent"} == failed_keys
    assert set(healthy.by_key()) == failed_keys
    assert not set(failing.by_key()) & set(healthy.by_key())  # nobody got it twice
    sent_rows = [r for r in relances(path) if r["status"] == "sent"]
    assert len({r["message_id"] for r in sent_rows}) == len(sent_rows) == 2 + 6


class CrashingSender(SmtpSender):
    """The process dies after the k-th accepted message (before the workbook is written)."""

    sent = 0

    def send(self, msg) -> None:
        if CrashingSender.sent >= 2:
            raise SystemExit("power cut")
        super().send(msg)
        CrashingSender.sent += 1


def test_a_crash_mid_batch_then_a_rerun_sends_only_what_is_missing(tmp_path):
    inbox = Inbox()
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port, extra_clients=4)
        with pytest.raises(SystemExit):
            run_remind(path, TODAY, send=True, environ={}, sender_factory=CrashingSender)
        assert len(inbox.messages) == 2
        assert relances(path) == []  # the workbook was never written
        with Journal(path.with_name("book.facturier-journal.sqlite")) as book:
            assert len(book.unlogged_reminders()) == 2
        rerun = run_remind(path, TODAY, send=True, environ={})
    keys = [str(m["X-Facturier-Reminder"]).strip() for _, m in inbox.messages]
    assert len(keys) == len(set(keys)) == 2 + len(rerun.emails)
    assert rerun.replayed == 2
    log = relances(path)
    assert len(log) == sum(1 for k in keys if not k.startswith("digest:"))
    assert {r["message_id"] for r in log} <= {str(m["Message-ID"]).strip() for _, m in inbox.messages}


def test_rows_set_to_no_in_relances_a_envoyer_are_not_sent(tmp_path):
    inbox = Inbox()
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port, extra_clients=2)
        run_remind(path, TODAY)
        book = openpyxl.load_workbook(path)  # the user edits the sheet in Excel
        ws = book["Relances à envoyer"]
        header = [c.value for c in ws[3]]
        send_col, key_col = header.index("Envoyer") + 1, header.index("Clé") + 1
        for row in range(4, ws.max_row + 1):
            if ws.cell(row, key_col).value == "client:X000":
                ws.cell(row, send_col).value = "Non"
        book.save(path)
        result = run_remind(path, TODAY, send=True, environ={})
    status = {o.mailing.key: o.status for o in result.emails}
    assert status.pop("client:X000") == "skipped"
    assert set(status.values()) == {"sent"}
    assert "client:X000" not in inbox.by_key()
    grid = openpyxl.load_workbook(path)["Relances à envoyer"]
    assert any(r[-1] == "client:X000" and "Non envoyée" in r for r in
               grid.iter_rows(min_row=4, values_only=True))


def test_a_header_injection_in_the_billing_email_is_refused_naming_the_clients_cell(tmp_path):
    inbox = Inbox()
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port, billing_email="a@b.c\nBcc: x@y.z")
        result = run_remind(path, TODAY, send=True, environ={})
    bad = [f for f in result.findings if f.sheet == "Clients" and f.severity == "error"]
    assert bad and bad[0].row == 2 and bad[0].column == "Email facturation"
    assert any(f.code == "REMIND-CLIENT" for f in result.findings)
    assert all("x@y.z" not in r for r, _ in inbox.messages for r in r)
    assert "client:C1" not in inbox.by_key()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # 127.0.0.1
def test_the_smtp_password_never_reaches_the_workbook_journal_logs_or_errors(tmp_path, caplog,
                                                                           capfd):
    inbox = Inbox()
    with Server(inbox, password=PASSWORD) as server, caplog.at_level(logging.DEBUG):
        path = workbook(tmp_path, server.port, user="compta@altiplano.example")
        wrong = run_remind(path, TODAY, send=True,
                           environ={"FACTURIER_SMTP_PASSWORD": PASSWORD + "x"})
        assert {o.status for o in wrong.emails} == {"failed"}
        assert all(PASSWORD not in o.error for o in wrong.emails)
        result = run_remind(path, TODAY, send=True,
                            environ={"FACTURIER_SMTP_PASSWORD": PASSWORD})
    assert {o.status for o in result.emails} == {"sent"} and len(inbox.messages) == 3
    secret = PASSWORD.encode()
    with zipfile.ZipFile(path) as z:
        assert all(secret not in z.read(n) for n in z.namelist())
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert secret not in f.read_bytes(), f
    out, err = capfd.readouterr()
    assert PASSWORD not in caplog.text + out + err
    assert all(PASSWORD not in str(o.as_json()) for o in wrong.emails + result.emails)


def facturier(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyfuncs.cli", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_the_command_previews_sends_and_exits_with_the_documented_codes(tmp_path):
    import os
    inbox = Inbox()
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FACTURIER_")}
        done = facturier("remind", str(path), "--as-of", "2026-11-23", "--outbox",
                         str(tmp_path / "out"), env=env)
        assert done.returncode == 0, done.stderr
        assert "3 reminder(s) to send" in done.stdout
        assert len(list((tmp_path / "out").glob("*.eml"))) == 3
        done = facturier("remind", str(path), "--as-of", "2026-11-23", "--send", env=env)
        assert done.returncode == 0, done.stderr
        assert "3 reminder(s) sent, 0 failed" in done.stdout and len(inbox.messages) == 3
    # the server is gone: every message fails, exit 1, one line each, no traceback
    later = (date(2026, 11, 23) + timedelta(days=60)).isoformat()
    done = facturier("remind", str(path), "--as-of", later, "--send", env=env)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    # no SMTP server known at all: unusable input, exit 2
    settings_less = tmp_path / "none.xlsx"
    build_workbook(settings_less, data=copy.deepcopy(clean_tables()),
                   settings=clean_settings(), today=TODAY)
    done = facturier("remind", str(settings_less), "--send", env=env)
    assert done.returncode == 2 and "SMTP" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_payment_plan_in_the_echeancier_sheet_is_reminded_by_instalment(tmp_path):
    t = copy.deepcopy(clean_tables())
    t["Echeancier"] = [
        {"invoice": "FAC2026-0007", "date": date(2026, 10, 16), "amount": D("5400.00")},
        {"invoice": "FAC2026-0007", "date": date(2026, 11, 20), "amount": D("5400.00")}]
    t["Paiements"].append({"date": date(2026, 10, 20), "client": "C1",
                           "invoice": "FAC2026-0007", "amount": D("5400.00"),
                           "reference": "1re échéance"})
    path = tmp_path / "plan.xlsx"
    build_workbook(path, data=t, settings=clean_settings(), today=TODAY)
    result = run_remind(path, TODAY)
    (c1,) = [o for o in result.emails if o.mailing.key == "client:C1"]
    assert [(d.step, d.open, d.level) for d in c1.mailing.items] == [
        ("2026-11-20", D("5400.00"), 1)]


def test_the_invoice_pdf_made_by_the_pdf_job_is_attached_from_level_one(tmp_path):
    from pyfuncs.jobs.documents import invoice_pdf_attacher
    path = workbook(tmp_path, _free_port())
    result = run_remind(path, TODAY, attach=invoice_pdf_attacher(path, TODAY))
    (c1,) = [o for o in result.emails if o.mailing.key == "client:C1"]
    msg = email.message_from_bytes(c1.file.read_bytes(), policy=email.policy.default)
    files = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    pdf = files["FAC2026-0007.pdf"]
    assert pdf.startswith(b"%PDF") and b"FAC2026-0007" in pdf


def test_levels_already_logged_in_relances_by_hand_are_not_sent_again(tmp_path):
    t = copy.deepcopy(clean_tables())
    t["Relances"] = [{"date": date(2026, 11, 20), "client": "C1", "level": 4,
                      "invoices": "FAC2026-0007", "to": "factures@client.example",
                      "subject": "Mise en demeure", "status": "sent"}]
    path = tmp_path / "logged.xlsx"
    build_workbook(path, data=t, settings=clean_settings(), today=TODAY)
    assert "client:C1" not in {o.mailing.key for o in run_remind(path, TODAY).emails}
    # a row dated after the as-of date did not happen yet at that date
    earlier = {o.mailing.key for o in run_remind(path, date(2026, 11, 19)).emails}
    assert "client:C1" in earlier


def outbox_rows(path: Path) -> dict[str, dict]:
    """The "Relances à envoyer" sheet as the user sees it: key -> {header: value}."""
    ws = openpyxl.load_workbook(path)["Relances à envoyer"]
    header = [c.value for c in ws[3]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=4, values_only=True)]
    return {r["Clé"]: r for r in rows if r["Clé"]}


def test_a_private_person_is_reminded_without_professional_penalties_nor_indemnity(tmp_path):
    """C1 is a private person (Clients › Particulier): its formal notice (level 4, 38 days
    late) claims neither the penalties of L441-10 C. com. nor the 40 EUR of D441-5, and
    says instead that interest at the legal rate runs from the notice (art. 1231-6 and
    1344-1 C. civ.); its emails, its letter and the "Relances à envoyer" sheet agree on
    the amount. The professional client C4 of the same run keeps its penalties, and a
    week later the handover to the owner says why there are none."""
    inbox = Inbox()
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port, private=("C1",))
        preview = run_remind(path, TODAY, attach=pdf_of)
        by_key = {o.mailing.key: o for o in preview.emails}
        assert set(by_key) == {"client:C1", "owner:C4", f"digest:{OWNER}"}
        sheet = outbox_rows(path)
        result = run_remind(path, TODAY, send=True, attach=pdf_of, environ={})
    assert [o.status for o in result.emails] == ["sent"] * 3
    _, msg = inbox.by_key()["client:C1"]
    assert msg["Subject"] == "Mise en demeure de payer : facture FAC2026-0007"
    text, html = body(msg), msg.get_body(preferencelist=("html",)).get_content()
    for shown in (text, html):
        assert "L441" not in shown and "D441" not in shown and "40,00" not in shown
        assert "136,61" not in shown and "10 976,61" not in shown
        assert "1231-6" in shown and "1344-1" in shown
    assert "la somme de 10 800,00 € au plus tard le" in text
    assert "Pénalités" not in html and "Total avec pénalités" not in text
    assert [(d.penalty.amount, d.indemnity) for d in by_key["client:C1"].mailing.items] == [
        (0, 0)]
    if shutil.which("pdftotext"):
        files = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
        letter = tmp_path / "letter.pdf"
        letter.write_bytes(files[f"mise-en-demeure-C1-{TODAY.isoformat()}.pdf"])
        page = subprocess.run(["pdftotext", str(letter), "-"], capture_output=True,
                              text=True, check=True).stdout
        page = " ".join(page.replace("\u202f", " ").replace("\u00a0", " ").split())
        assert "vaut mise en demeure" in page and "1231-6" in page
        assert "L441" not in page and "D441" not in page and "pénalités" not in page
        assert "Soit un total de 10 800,00 EUR en principal." in page  # core font: EUR
    # the sheet: the same amount, no penalty for the private person; C4's are there
    c1, c4 = sheet["client:C1"], sheet["owner:C4"]
    assert (c1["Reste dû"], c1["Pénalités et indemnités"]) == (10800, None)
    assert D(str(c4["Pénalités et indemnités"])) == by_key["owner:C4"].mailing.penalties > 40
    assert "contentieux" in inbox.by_key()["owner:C4"][1]["Subject"]
    # a week later: handed over to the owner, who is told no penalty is owed
    week = {o.mailing.key: o for o in run_remind(path, TODAY + timedelta(days=7)).emails}
    owner = email.message_from_bytes(week["owner:C1"].file.read_bytes(),
                                     policy=email.policy.default)
    told = body(owner)
    assert "FAC2026-0007" in told and "Client particulier" in told and "1231-6" in told
    assert "L441" not in told and "Créance à ce jour" not in told
    assert outbox_rows(path)["owner:C1"]["Pénalités et indemnités"] is None


def remind_with_copy(tmp_path: Path, formal_notice: str):
    """(inbox, result) of a reminder run sent to a real SMTP server, C1 a private person,
    with the user's own copy of the formal notice in templates/reminders beside the
    workbook."""
    inbox = Inbox()
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port, private=("C1",))
        mine = path.parent / "templates" / "reminders"
        mine.mkdir(parents=True)
        (mine / "niveau4_mise_en_demeure.fr.txt").write_text(formal_notice, encoding="utf-8")
        result = run_remind(path, TODAY, send=True, attach=pdf_of, environ={})
    return inbox, result


def test_a_template_copied_before_private_clients_sends_them_nothing(tmp_path):
    """The user's copy of the formal notice, made before private clients existed (the
    shipped text of that time, tests/fixtures/reminders-copied-2026-11), would claim the
    penalties of L441-10 and the 40 EUR indemnity from C1, a private person: nothing goes
    to C1, an error names the copy and what to do, and the professional C4 is reminded
    with the copy as before."""
    copied = FIXTURES / "reminders-copied-2026-11" / "niveau4_mise_en_demeure.fr.txt"
    inbox, result = remind_with_copy(tmp_path, copied.read_text(encoding="utf-8"))
    status = {o.mailing.key: o.status for o in result.emails}
    assert status["client:C1"] == "error" and status["owner:C4"] == "sent"
    assert "client:C1" not in inbox.by_key()
    (found,) = [f for f in result.findings if f.code == "REMIND-TEMPLATE"]
    assert found.severity == "error" and found.ref == "client:C1"
    assert "niveau4_mise_en_demeure.fr.txt" in found.message
    assert "Claire Durand" in found.message and "L441-10" in found.message
    assert "{% if professional %}" in found.fix


def test_a_copy_that_knows_private_clients_is_used_for_them(tmp_path):
    """A copy of today's shipped text, reworded, speaks to C1 as written."""
    shipped = TEMPLATES / "reminders" / "niveau4_mise_en_demeure.fr.txt"
    inbox, result = remind_with_copy(tmp_path, shipped.read_text(encoding="utf-8").replace(
        "Malgré nos relances restées sans effet", "Nos relances étant restées sans réponse"))
    assert {o.mailing.key: o.status for o in result.emails}["client:C1"] == "sent"
    assert "Nos relances étant restées sans réponse" in body(inbox.by_key()["client:C1"][1])
    assert not [f for f in result.findings if f.code == "REMIND-TEMPLATE"]


def test_a_time_barred_invoice_is_not_reminded_and_the_preview_says_why(tmp_path):
    """Two years and more after their due dates, the private person C1's invoices can no
    longer be claimed (art. L218-2 C. consom.): no email for them goes to C1 nor to its
    owner, the preview lists them as held with the reason, and the checks name them; the
    professional C4's older invoice (five years, art. L110-4 C. com.) is still handed
    over to its owner."""
    inbox = Inbox()
    later = TODAY + timedelta(days=2 * 365 + 45)
    with Server(inbox) as server:
        path = workbook(tmp_path, server.port, private=("C1",))
        preview = run_remind(path, later, attach=pdf_of)
        keys = {o.mailing.key for o in preview.emails}
        assert "owner:C4" in keys and not {"client:C1", "owner:C1"} & keys
        sheet = outbox_rows(path)
        for number in ("FAC2026-0007", "FAC2026-0008"):  # C1's two invoices
            assert "Prescrite : plus relancée" in sheet[f"hold:{number}"].values()
        result = run_remind(path, later, send=True, attach=pdf_of, environ={})
    assert {o.status for o in result.emails} == {"sent"}
    sent_to = {r for rcpts, _ in inbox.messages for r in rcpts}
    client_c1 = next(c["billing_email"] for c in clean_tables()["Clients"] if c["id"] == "C1")
    assert client_c1 not in sent_to and sent_to
    barred = [f for f in run_check(path, later).findings if f.code == "LIMIT-BARRED"]
    assert [(f.sheet, f.ref) for f in barred] == [("Factures", "FAC2026-0007"),
                                                  ("Factures", "FAC2026-0008")]
    assert all("L218-2" in f.message for f in barred)
    # each line links to its invoice's due date in Factures (a cell of the Échéance column)
    assert [f.column for f in barred] == ["Échéance"] * 2
    letter = read_workbook(path).tables["Factures"].col_letters["due_date"]
    assert [f.cell for f in barred] == [f"{letter}{f.row}" for f in barred]
