"""Reminder benchmark: 1,000 personalised reminders, each with its invoice PDF
(the pdf job's Factur-X), sent over one SMTP connection to a local aiosmtpd
server and accepted, then recorded in the journal and the Relances table. Target: 30 s.

    python benchmarks/remind.py                 # 1,000 emails, medians of 3 runs
    python benchmarks/remind.py --emails 200 --runs 5 --no-pdf

Each run is a fresh process on a fresh copy of the workbook with no journal, so every run
plans, renders, attaches, sends and logs all of them. The workbook: the check tests'
clean book plus one client per email, each with one invoice 1 to 40 days late (levels 1
to 4: the formal notices carry their PDF letter too).
"""
from __future__ import annotations

import argparse
import copy
import json
import shutil
import statistics
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from cached import compile_package, is_fresh, mark_built  # benchmarks/cached.py

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
TODAY = date(2026, 11, 23)

RUN = """
import json, socket, sys, time
from datetime import date
from pathlib import Path
from aiosmtpd.controller import Controller
from pyfuncs.jobs.reminders import run_remind
from pyfuncs.jobs.documents import invoice_pdf_attacher

class Count:
    accepted = 0
    async def handle_DATA(self, server, session, envelope):
        Count.accepted += 1
        return "250 OK"

with socket.socket() as s:
    s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
server = Controller(Count(), hostname="127.0.0.1", port=port, data_size_limit=None)
server.start()
path, day = Path(sys.argv[1]), date.fromisoformat(sys.argv[2])
steps = {}
t0 = time.perf_counter()
attach = invoice_pdf_attacher(path, day) if sys.argv[3] == "pdf" else None
result = run_remind(path, day, send=True, attach=attach, progress=lambda s: steps.setdefault(s, time.perf_counter()),
                    environ={"FACTURIER_SMTP_PORT": str(port), "FACTURIER_SMTP_TLS": "none"})
end = time.perf_counter()
server.stop()
marks = sorted(steps.items(), key=lambda kv: kv[1]) + [("end", end)]
split = {a: round(marks[i + 1][1] - t, 3) for i, (a, t) in enumerate(marks[:-1])}
print(json.dumps({"seconds": end - t0, "sent": result.count("sent"),
                  "failed": result.count("failed"), "accepted": Count.accepted,
                  "split": split}))
"""


def workbook_for(emails: int) -> Path:
    target = OUT / f"remind-{emails}" / "Facturation-remind.xlsx"
    if is_fresh(target):
        return target
    sys.path.insert(0, str(ROOT))
    from pyfuncs.jobs.template import build_workbook
    from tests.unit.test_checks import clean_settings, clean_tables, invoice, line
    t = copy.deepcopy(clean_tables())
    t["Factures"] = [i for i in t["Factures"] if i["client"] != "C4"]  # no level 5
    for c in t["Clients"]:
        c["owner"] = None
    base = t["Clients"][0]
    for k in range(emails - 1):  # C1 has one reminder of its own
        cid = f"B{k:05d}"
        t["Clients"].append(dict(base, id=cid, name=f"Client {k} SAS", siren=None,
                                 siret=None, vat_number=None, billing_contact=f"Contact {k}",
                                 billing_email=f"compta{k}@client{k}.example",
                                 language="en" if k % 5 == 0 else "fr"))
        due = TODAY - timedelta(days=1 + k % 40)
        t["Factures"].append(invoice(f"B{k:05d}", f"FAC2026-{1000 + k:05d}",
                                     due - timedelta(days=30), cid, due=due))
        t["LignesFacture"] += [line(f"B{k:05d}", "Assistance technique", 2, str(400 + k % 97)),
                               line(f"B{k:05d}", "Frais de déplacement", 1, "120")]
    settings = clean_settings()
    settings.update(seller_email=None, smtp_host="127.0.0.1", smtp_tls="no",
                    smtp_sender="relances@altiplano.example")
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"building a workbook with {emails} reminders to send...", flush=True)
    build_workbook(target, data=t, settings=settings, today=TODAY)
    mark_built(target)
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emails", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-pdf", action="store_true", help="without the invoice PDFs")
    args = ap.parse_args()
    compile_package()
    source = workbook_for(args.emails)
    runs = []
    for k in range(args.runs):
        folder = OUT / f"remind-{args.emails}" / "run"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        copy_ = folder / "Facturation.xlsx"
        shutil.copy(source, copy_)
        done = subprocess.run([sys.executable, "-c", RUN, str(copy_), TODAY.isoformat(),
                               "none" if args.no_pdf else "pdf"], capture_output=True,
                              text=True, cwd=ROOT, check=False)
        if done.returncode:
            sys.exit(done.stderr)
        res = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(res)
        print(f"run {k + 1}: {res['seconds']:.2f} s, {res['sent']} sent "
              f"({res['accepted']} accepted, {res['failed']} failed) {res['split']}",
              flush=True)
    secs = [r["seconds"] for r in runs]
    median = statistics.median(secs)
    sent = runs[0]["sent"]
    print(f"median of {len(runs)}: {median:.2f} s for {sent} emails "
          f"({sent / median:.0f} per second){' with invoice PDFs' if not args.no_pdf else ''}"
          f"; target 30 s: {'met' if median <= 30 else 'MISSED'}")


if __name__ == "__main__":
    main()
