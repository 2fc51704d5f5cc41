"""The four jobs a user runs on a damaged workbook, through the `facturier` command line
(``pyfuncs.cli.main``, in this process: the parser, the job, the exit code and the
printed output the user sees), and the judgement of what they did.

``generate --dry-run --json``, ``age --json``, ``remind`` (a preview: the reminders are
written as .eml files, nothing is sent) and ``check --json`` run in that order on the same
file, as a user would after typing a bad cell.
"""
from __future__ import annotations

import contextlib
import email
import io
import json
from dataclasses import dataclass
from datetime import date
from email import policy
from pathlib import Path

from pyfuncs import cli
from tests.support.damage import Damage

JOBS = ("generate", "age", "remind", "check")


def facturier(*args: object) -> tuple[int, str, str]:
    """`facturier ARGS`: exit code, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


@dataclass
class Run:
    """What the four commands said about one workbook.

    Attributes:
      codes: each job's exit code.
      stderr: what any of them wrote to standard error.
      issued: generate's plan, (number, client, total, sources) per document.
      gen_findings: generate's findings (dicts, as --json prints them).
      rows: the aged balance, {client: (amounts, unapplied, total, complete, left_out)}.
      mails: remind's preview, {.eml file name: (To, Subject, body)}.
      remind_out: remind's printed lines (its findings, one line each).
      findings: check's findings (dicts).
    """
    codes: dict[str, int]
    stderr: str
    issued: list[tuple[str, str, str, tuple[str, ...]]]
    gen_findings: list[dict]  # type: ignore[type-arg]
    rows: dict[str, tuple]  # type: ignore[type-arg]
    mails: dict[str, tuple[str, str, str]]
    remind_out: str
    findings: list[dict]  # type: ignore[type-arg]

    @property
    def sources(self) -> list[str]:
        return [s for d in self.issued for s in d[3]]


def run_cli(path: Path, today: date, outbox: Path) -> Run:
    """The four commands on ``path``, the reminders' preview written to ``outbox``."""
    day = today.isoformat()
    codes, errs = {}, []
    codes["generate"], out, err = facturier("generate", path, "--dry-run", "--json",
                                            "--date", day)
    errs.append(err)
    gen = json.loads(out) if out.strip() else {"issued": [], "findings": []}
    codes["age"], out, err = facturier("age", path, "--json", "--as-of", day)
    errs.append(err)
    age = json.loads(out) if out.strip() else {"rows": []}
    codes["remind"], remind_out, err = facturier("remind", path, "--as-of", day,
                                                 "--outbox", outbox)
    errs.append(err)
    codes["check"], out, err = facturier("check", path, "--json", "--date", day)
    errs.append(err)
    check = json.loads(out) if out.strip() else {"findings": []}
    return Run(codes, "".join(errs),
               [(d["number"], d["client"], d["total"], tuple(d["sources"]))
                for d in gen["issued"]], gen["findings"],
               {r["client"]: (tuple(r["amounts"]), r["unapplied"], r["total"], r["complete"],
                              tuple(r["left_out"])) for r in age["rows"]},
               _mails(outbox), remind_out, check["findings"])


def _mails(outbox: Path) -> dict[str, tuple[str, str, str]]:
    out = {}
    for eml in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        out[eml.name] = (str(msg["To"]), str(msg["Subject"]),
                         body.get_content() if body is not None else "")
    return out


def _names(findings: list[dict], damage: Damage, held: bool = False) -> bool:  # type: ignore[type-arg]
    """A finding of error severity is on the damaged cell; or, ``held``, a source held
    back for it says the cell in its message ("cellule J23 de la feuille Factures")."""
    said = f"{damage.cell} de la feuille {damage.sheet}"
    return any(f["severity"] == "error" and (
        (f["sheet"] == damage.sheet and f["cell"] == damage.cell) or
        (held and said in f["message"])) for f in findings)


def _mailing(name: str) -> tuple[str, str]:
    """(kind, client or owner) of a preview's file: DATE-client_C0001.eml."""
    kind, _, who = name[len("2026-12-06-"):].removesuffix(".eml").partition("_")
    return kind, who


def _held_clients(run: Run) -> set[str]:
    return {c for c, row in run.rows.items() if not row[3]}


def judge_cli(intact: Run, damage: Damage, got: Run) -> list[str]:
    """What went wrong with a damaged workbook, job by job; empty when all did right.

    A job either says the damaged cell (an error naming it, exit 1), or its result is
    exactly the intact workbook's: a damage it does not read changes nothing it does.
    """
    wrong = []
    if "unexpected error" in got.stderr or "Traceback" in got.stderr:
        wrong.append(f"unexpected error: {got.stderr.strip()}")
    # generate --dry-run: nothing the intact workbook would not bill, nothing twice
    extra = [s for s in got.sources if s not in set(intact.sources)]
    if extra or len(got.sources) != len(set(got.sources)):
        wrong.append(f"generate bills again: {extra}")
    if got.issued != intact.issued and not (got.codes["generate"] == 1 and
                                            _names(got.gen_findings, damage, True)):
        wrong.append(f"generate's plan changed without naming the cell (exit "
                     f"{got.codes['generate']})")
    # age: every balance as before, or marked incomplete naming the damaged row
    held = _held_clients(got)
    for client, row in intact.rows.items():
        now = got.rows.get(client)
        if client in held:
            continue
        if now is None and row[2] == "0.00" and row[1] == "0.00":
            continue
        if now is None or now[:3] != row[:3]:
            wrong.append(f"balance of {client} changed silently: {row[:3]} -> "
                         f"{now and now[:3]}")
    # the rows a balance leaves out name the damaged cell; or (a client's code unreadable:
    # its documents are what is left out) remind names it among its errors
    said = f"{damage.sheet}, row {damage.row}, column {damage.column}:"
    if held and not any(damage.sheet in w and f"({damage.cell})" in w
                        for c in held for w in got.rows[c][4]) and \
            not any(line.strip().startswith(f"error   {said}")
                    for line in got.remind_out.splitlines()):
        wrong.append(f"balances {sorted(held)} incomplete, none naming {damage.cell}")
    if [c for c in held if not got.rows[c][4]]:
        wrong.append("a balance incomplete without the rows it leaves out")
    if held and got.codes["age"] != 1:
        wrong.append(f"age exits {got.codes['age']} with an incomplete balance")
    if got.rows != intact.rows and not held and got.codes["age"] != 1:
        wrong.append("age's rows changed and it exits 0")
    # remind: nothing to a client whose balance is incomplete; the rest as before
    for name, mail in got.mails.items():
        kind, client = _mailing(name)
        if kind == "digest":  # the owners' digest lists every client: it may change
            continue
        if client in held:
            wrong.append(f"remind writes to {client}, whose balance is incomplete")
        elif intact.mails.get(name) != mail:
            wrong.append(f"remind's {name} changed silently")
    lost = [n for n in intact.mails if n not in got.mails and
            _mailing(n)[0] != "digest" and _mailing(n)[1] not in held]
    if lost and got.codes["remind"] != 1:
        wrong.append(f"remind drops {lost} and exits {got.codes['remind']}")
    if held and got.codes["remind"] != 1:
        wrong.append(f"remind exits {got.codes['remind']} with a client held back")
    # check: the damaged cell is an error, exit 1
    if not _names(got.findings, damage):
        wrong.append("check does not name the damaged cell as an error")
    if got.codes["check"] != 1:
        wrong.append(f"check exits {got.codes['check']}")
    return wrong
