"""What each e-reporting report's next step is (jobs/ereport_plan.plan), from its
transmissions in the journal: IN, RE and what it replaces, unchanged, waiting for
correction after a refusal, the correction of a refused one (IN when nothing counted)."""
from __future__ import annotations

from datetime import datetime

from pyfuncs.adapters.platform import ereport_xml as X
from pyfuncs.adapters.platform.ledger import REFUSED, SENDING, SENT, ReportRow
from pyfuncs.domain import ereporting as R
from pyfuncs.jobs.ereport_plan import plan
from tests.support.pa_lifecycle import frr_problems, report_type

BASE = "123456789-2026-03-F104"


def row(rid: str, sha: str, state: str = SENT, ack: str = "") -> tuple[str, ReportRow]:
    return rid, ReportRow(rid, "AggregatedCustomerPaymentReport", f"t-{rid}", sha, state,
                          f"f-{rid}", ack, "why" if ack == "Error" or state == REFUSED
                          else "")


def test_a_report_never_sent_goes_as_initial_and_an_empty_one_not_at_all():
    assert (plan({}, BASE, "c1:a", 2).action, plan({}, BASE, "c1:a", 2).type_code) == \
        ("new", "IN")
    assert plan({}, BASE, "c1:a", 0) is None


def test_a_changed_report_goes_as_a_rectificative_of_the_last_one_that_counted():
    known = dict([row(BASE, "c1:a", ack="Ok")])
    step = plan(known, BASE, "c1:b", 0)  # empty now: a RE all the same
    assert step is not None
    assert (step.action, step.report, step.type_code, step.replaces) == \
        ("rectify", f"{BASE}-R1", "RE", BASE)
    same = plan(known, BASE, "c1:a", 1)
    assert same is not None and (same.action, same.report) == ("unchanged", BASE)
    legacy = plan(dict([row(BASE, "0f" * 32)]), BASE, "c1:b", 1)  # no fingerprint
    assert legacy is not None and legacy.action == "unchanged"


def test_a_refused_report_waits_then_its_correction_is_initial_when_nothing_counted():
    for refused in (row(BASE, "c1:a", ack="Error"), row(BASE, "c1:a", state=REFUSED)):
        known = dict([refused])
        wait = plan(known, BASE, "c1:a", 1)
        assert wait is not None and (wait.action, wait.reason) == ("waiting", "why")
        fix = plan(known, BASE, "c1:b", 1)
        assert fix is not None
        assert (fix.action, fix.report, fix.type_code, fix.refused) == \
            ("correct", f"{BASE}-R1", "IN", BASE)
        gone = plan(known, BASE, "c1:b", 0)
        assert gone is not None and gone.action == "nothing"


def test_a_refused_rectificative_is_corrected_by_a_rectificative_of_the_one_that_counted():
    known = dict([row(BASE, "c1:a", ack="Ok"), row(f"{BASE}-R1", "c1:b", ack="Error")])
    fix = plan(known, BASE, "c1:c", 1)
    assert fix is not None
    assert (fix.action, fix.report, fix.type_code, fix.replaces, fix.refused) == \
        ("correct", f"{BASE}-R2", "RE", BASE, f"{BASE}-R1")
    back = plan(known, BASE, "c1:a", 1)
    assert back is not None and (back.action, back.report) == ("unchanged", BASE)
    wait = plan(known, BASE, "c1:b", 1)
    assert wait is not None and (wait.action, wait.replaces) == ("waiting", BASE)


def test_a_transmission_claimed_and_not_settled_is_taken_up_again_under_its_id():
    step = plan(dict([row(BASE, "c1:a", state=SENDING)]), BASE, "c1:a", 1)
    assert step is not None and (step.action, step.report, step.type_code) == \
        ("sending", BASE, "IN")


def test_an_empty_report_is_valid_and_its_flow_type_follows_its_processing_rule():
    who = X.Declarant("123456789", "Altiplano", "FR12123456789", platform_id="P042")
    period = R.parse_period("2026-03", R.SIMPLIFIED)
    assert period is not None
    created = datetime(2026, 4, 1)
    empty = X.transactions(f"{BASE}-R1", who, period, [], [], created, type_code="RE")
    paid = X.payments(f"{BASE}-R1", who, period, [], created, type_code="RE")
    assert frr_problems(empty) == [] and frr_problems(paid) == []
    assert report_type(empty, "B2BInt") == "UnitaryCustomerTransactionReport"
    assert report_type(empty, "B2C") == "AggregatedCustomerTransactionReport"
    assert report_type(paid, "B2BInt") == "UnitaryCustomerPaymentReport"
    assert report_type(paid, "B2C") == "AggregatedCustomerPaymentReport"
