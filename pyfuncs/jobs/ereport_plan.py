"""What each e-reporting report's next step is, from its transmissions in the journal's
report ledger: a first transmission (TT-4 IN), a rectificative of the one that stands
(RE), nothing when unchanged, waiting while the platform's refusal stands, the
correction of a refused one, being sent, or nothing left to report. The rules read are
in ``plan``'s docstring and docs/E-INVOICING.md; the e-reporting job (jobs/ereport.py)
acts on the plan.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pyfuncs.adapters.platform.ledger import REFUSED, SENT, ReportRow


def versions(known: dict[str, ReportRow], report: str) -> list[tuple[str, ReportRow]]:
    """The transmissions of one report in the ledger, in order: the initial one
    (``report``), then each rectificative (``report-R1``, ``report-R2``...)."""
    out: list[tuple[str, ReportRow]] = []
    rid = report
    while rid in known:
        out.append((rid, known[rid]))
        rid = f"{report}-R{len(out)}"
    return out


# ------------------------------------------------------------------ what goes, per report
#: what a report's next step is (``Plan.action``): a first transmission (IN), a
#: rectificative of one that stands (RE), the corrected transmission of one the platform
#: refused (IN when nothing of that report counted yet, else RE), nothing (unchanged:
#: the transmission that stands says what the data say), waiting for correction (the
#: platform refused the last transmission and the data are still those it refused),
#: being sent (a run claimed it and its answer is not recorded yet), or nothing left to
#: report (refused, never counted, and the period has nothing any more)
NEW, RECTIFY, CORRECT, UNCHANGED, WAITING, SENDING_NOW, NOTHING = (
    "new", "rectify", "correct", "unchanged", "waiting", "sending", "nothing")
TO_SEND = (NEW, RECTIFY, CORRECT, SENDING_NOW)


@dataclass(frozen=True)
class Plan:
    """What becomes of one report: ``action`` (above), the transmission id (TT-1) it goes
    or stands under, its type (TT-4), the transmission a RE replaces, the platform's
    reason for a refusal, the flow id of the transmission that stands."""

    action: str
    report: str
    type_code: str
    replaces: str = ""
    reason: str = ""
    flow_id: str = ""
    refused: str = ""  # the refused transmission a correction follows


def counted(row: ReportRow) -> bool:
    """A transmission the platform took (accepted, or its acknowledgement not in yet)."""
    return row.state == SENT and row.ack != "Error"


def refused(row: ReportRow) -> bool:
    """A transmission the platform refused: at once (a 4xx) or by its acknowledgement."""
    return row.state == REFUSED or (row.state == SENT and row.ack == "Error")


def plan(known: Mapping[str, ReportRow], report: str, content: str, items: int) -> Plan | None:
    """The next step of the report ``report`` (its base id) whose current data have the
    fingerprint ``content`` and ``items`` lines, from its transmissions in the ledger;
    None when there is nothing to report and nothing was ever sent.

    The rules read (Flux10 v1.8, Annexe 7; the flow 10 XSD; docs/E-INVOICING.md):
    - G8.01: a transmission is IN (initial) or RE (rectificative); a RE carries the
      period's whole report again and replaces the transmission that stands;
    - a report that became empty after it was sent goes as an empty RE: the XSD lets a
      ``TransactionsReport`` or ``PaymentsReport`` hold its ``ReportPeriod`` alone
      (``Invoice`` and ``Transactions`` are minOccurs 0), and no Flux10 rule asks for a
      line (G6.29 asks for exactly one report block, which it has);
    - a transmission the platform refused never counted (its acknowledgement Error says
      a check failed: schema, rules or uniqueness, XP Z12-013 FlowAckStatus), so its
      correction is the first that counts: IN when no earlier transmission of the report
      counted, else a RE of the one that did."""
    done = versions(dict(known), report)
    if not done:
        return Plan(NEW, report, "IN") if items else None
    rid, last = done[-1]
    nxt = f"{report}-R{len(done)}"
    standing = next(((r, row) for r, row in reversed(done[:-1]) if counted(row)), None)
    kind = _kind(done, rid)
    if last.state not in (SENT, REFUSED):  # claimed, its answer not recorded yet
        return Plan(SENDING_NOW, rid, kind, standing[0] if standing else "")
    if refused(last):
        if standing is not None and standing[1].sha256 == content:
            # the data are back to what the transmission that stands says
            return Plan(UNCHANGED, standing[0], _kind(done, standing[0]),
                        flow_id=standing[1].flow_id)
        if last.sha256 == content:
            return Plan(WAITING, rid, kind, standing[0] if standing else "", last.reason,
                        last.flow_id)
        if standing is None:
            return Plan(CORRECT, nxt, "IN", refused=rid) if items else \
                Plan(NOTHING, rid, kind, reason=last.reason, refused=rid)
        return Plan(CORRECT, nxt, "RE", standing[0], refused=rid)
    if last.sha256.startswith("c1:") and last.sha256 != content:
        return Plan(RECTIFY, nxt, "RE", rid)
    return Plan(UNCHANGED, rid, kind, flow_id=last.flow_id)


def _kind(done: list[tuple[str, ReportRow]], rid: str) -> str:
    """IN or RE: the type the transmission ``rid`` went as (RE after one that counted)."""
    for r, row in done:
        if r == rid:
            return "IN"
        if counted(row):
            return "RE"
    return "IN"
