"""How long an unpaid invoice can be claimed (prescription, DOMAIN.md §7).

- Between businesses, 5 years (Code de commerce art. L110-4); a professional's claim on
  a private person for the goods or services it supplied, 2 years (Code de la
  consommation art. L218-2).
- The period runs from the day the amount fell due (Code civil art. 2224: the day the
  creditor knew it was owed).
- It is acquired once its last day is over (art. 2229), counted in days (art. 2228): a
  claim due on 15 March 2021 can be brought until 15 March 2026 inclusive. A due date of
  29 February ends on 28 February.
- The debtor's acknowledgement interrupts it (art. 2240) and a new period of the same
  length starts (art. 2231). A payment on the invoice, even a part, is such an
  acknowledgement: the workbook shows it, so the period runs from the last payment.
- A written acknowledgement of debt interrupts it too, and so does a claim in court (art.
  2241, an injonction de payer included). Their date goes in Factures › Prescription
  interrompue le, and the period runs from the latest of that day and the last payment.
  A claim in court in fact holds the period until the proceedings end (art. 2242):
  counted from the day of the claim, the warning comes early, never late.
- A reminder, even a formal notice (mise en demeure), does not interrupt it.

So the checks warn ahead of the last day, when something can still be done. After it,
the debtor may refuse to pay, and the reminders no longer threaten what the law no
longer allows: a time-barred invoice is held back from them.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pyfuncs.domain.findings import WARNING, Finding, shown_day, shown_money

BUSINESS_YEARS = 5  # Code de commerce art. L110-4
CONSUMER_YEARS = 2  # Code de la consommation art. L218-2
# how long before the last day the checks warn: time to obtain a payment or a written
# acknowledgement, or to file an injonction de payer
NOTICE_DAYS = 90


def latest(*days: date | None) -> date | None:
    """The latest of the days given (None: none known), e.g. of the last payment and of
    the interruption recorded in Factures: the acknowledgement the period runs from."""
    known = [day for day in days if day is not None]
    return max(known) if known else None


def period_years(private: bool) -> int:
    """The length of the period: 2 years against a private person, else 5."""
    return CONSUMER_YEARS if private else BUSINESS_YEARS


def last_day(due: date, private: bool, acknowledged: date | None = None) -> date:
    """The last day the invoice can be claimed: the period's length after its due date,
    or after the last acknowledgement or interruption (``latest`` of the last payment on
    it and the date in Factures › Prescription interrompue le) when that came later."""
    start = acknowledged if acknowledged is not None and acknowledged > due else due
    years = period_years(private)
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February, in a year without one
        return start.replace(year=start.year + years, day=28)


def barred_on(due: date, private: bool, acknowledged: date | None = None) -> date:
    """The first day the invoice is time-barred (the day after ``last_day``)."""
    return last_day(due, private, acknowledged) + timedelta(days=1)


def is_barred(due: date, private: bool, acknowledged: date | None, on: date) -> bool:
    """Whether the invoice is time-barred on the day ``on``."""
    return on > last_day(due, private, acknowledged)


def ends_soon(due: date, private: bool, acknowledged: date | None, on: date) -> bool:
    """Whether the period ends within ``NOTICE_DAYS`` of ``on`` (and has not ended)."""
    end = last_day(due, private, acknowledged)
    return on <= end < on + timedelta(days=NOTICE_DAYS)


def finding(number: str, row: int, owed: Decimal, currency: str, due: date, private: bool,
            paid_on: date | None, interrupted: date | None, on: date, lang: str = "fr",
            sheet: str = "Factures") -> Finding | None:
    """What the checks say of an invoice still owed ``owed`` (in ``currency``) on the day
    ``on``, last paid on ``paid_on``, its limitation interrupted on ``interrupted`` (as
    recorded in Factures): time-barred, its period ending within ``NOTICE_DAYS``, or
    nothing."""
    acknowledged = latest(paid_on, interrupted)
    barred = is_barred(due, private, acknowledged, on)
    if not barred and not ends_soon(due, private, acknowledged, on):
        return None  # most open invoices: nothing to say, so nothing to word
    fr = lang != "en"
    amount = shown_money(owed, fr, currency)
    years = period_years(private)
    law = ("art. L218-2 du Code de la consommation" if private else
           "art. L110-4 du Code de commerce") if fr else \
        ("French Consumer Code art. L218-2" if private else
         "French Commercial Code art. L110-4")
    if acknowledged is None or acknowledged <= due:
        since = (f"l'échéance du {shown_day(due, fr)}" if fr else
                 f"the due date {shown_day(due, fr)}")
    elif acknowledged == interrupted:
        since = (f"l'interruption du {shown_day(acknowledged, fr)}" if fr else
                 f"the interruption of {shown_day(acknowledged, fr)}")
    else:
        since = (f"le dernier paiement du {shown_day(acknowledged, fr)}" if fr else
                 f"the last payment of {shown_day(acknowledged, fr)}")
    if barred:
        return Finding(
            "LIMIT-BARRED", WARNING, sheet, row, "", number,
            (f"{amount} dus, prescrits depuis le "
             f"{shown_day(barred_on(due, private, acknowledged), fr)} ({years} ans après {since}, "
             f"{law}) : le client peut refuser de payer. La facture n'est plus relancée."
             if fr else
             f"{amount} owed, time-barred since "
             f"{shown_day(barred_on(due, private, acknowledged), fr)} ({years} years after "
             f"{since}, {law}): the client may refuse to pay. It is no longer reminded."),
            ("Voir avec l'expert-comptable : créance irrécouvrable (avoir ou perte). Si la "
             "prescription a été interrompue (reconnaissance de dette écrite, action en "
             "justice), en saisir la date dans « Prescription interrompue le »." if fr else
             "See the accountant: a bad debt (credit note or loss). If the limitation was "
             "interrupted (a written acknowledgement, a claim in court), enter its date in "
             "\"Limitation interrupted on\"."))
    return Finding(
        "LIMIT-SOON", WARNING, sheet, row, "", number,
        (f"{amount} dus, prescrits le {shown_day(barred_on(due, private, acknowledged), fr)} "
         f"({years} ans après {since}, {law}) si rien ne l'interrompt : une relance, "
         "même une mise en demeure, ne l'interrompt pas." if fr else
         f"{amount} owed, time-barred on "
         f"{shown_day(barred_on(due, private, acknowledged), fr)} ({years} years after "
         f"{since}, {law}) unless interrupted: a reminder, even a formal notice, does "
         "not interrupt it."),
        ("Avant cette date : obtenir un paiement, même partiel, ou une reconnaissance de "
         "dette écrite du client, ou agir en justice (injonction de payer), puis en "
         "saisir la date dans « Prescription interrompue le »." if fr else
         "Before that day: obtain a payment, even a part, or the client's written "
         "acknowledgement of the debt, or go to court (injonction de payer), then enter "
         "its date in \"Limitation interrupted on\"."))
