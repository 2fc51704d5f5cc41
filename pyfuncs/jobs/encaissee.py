"""The 212 "Encaissée" statuses, a step of "Transmettre à la plateforme" (``facturier
transmit``): for each payment on a transmitted services invoice under VAT on receipts,
one CDAR message to the platform, exactly once (domain/encaissement.py says which and
how much; adapters/platform/cdar_payment.py writes it; the journal's receipt ledger
claims it before the call and records the answer after, as the documents' flows are, so
two runs on one shared journal never send one 212 twice).

A 212 goes only for an invoice the platform has deposited (its status 200, pulled by
``facturier statuses``, and not rejected since): until then the receipt is listed as
"waiting", with why, in the run's result and the « Aperçu transmission » sheet; after the
client's refusal (210) it is "withheld" for good (domain/encaissement.py says why).

A payment corrected or deleted after its 212 went out is undone by a 212 of the opposite
amount (XP Z12-012 P1.15/P1.17), and the corrected payment goes as a new receipt: each one
is a warning on the Paiements row (or the invoice, when the payment is gone) that says
what was sent.
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from pyfuncs.adapters.journal.platform import FlowLedger, ReceiptLedger
from pyfuncs.adapters.platform.base import Platform, PlatformError
from pyfuncs.adapters.platform.cdar_payment import Party212, encaissee, message_id
from pyfuncs.adapters.platform.ledger import BUSY, DONE, ORPHAN, REFUSED, SENDING, SENT
from pyfuncs.documents.record import InvoiceDoc
from pyfuncs.domain import encaissement as R
from pyfuncs.domain.context import Ctx, message, norm, text
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.money import D

log = logging.getLogger(__name__)
TRACKING_212 = uuid.UUID("5f0e2a61-93c4-4b8e-a7d2-0c1b9e6f4d17")  # uuid5 namespace of 212s

UNDONE = message(
    "Le paiement de {amount} sur {number}, déclaré « Encaissée » (212) à la plateforme, "
    "a été modifié ou supprimé : un statut 212 de {undo} (décaissement) est transmis pour "
    "l'annuler{redo}.",
    "Rien à faire si la correction est voulue ; sinon rétablir la ligne de Paiements telle "
    "qu'elle était, puis transmettre : le paiement est déclaré à nouveau.",
    "The payment of {amount} on {number}, reported as received (212) to the platform, was "
    "changed or deleted: a 212 of {undo} (a disbursement) is sent to undo it{redo}.",
    "Nothing to do if the correction is intended; otherwise restore the Paiements row as it "
    "was, then transmit: the payment is reported again.")
REFUSED_212 = message(
    "La plateforme refuse le statut « Encaissée » du paiement de {amount} sur {number} : "
    "{reasons}.",
    "Vérifier le montant et la facture du paiement (Paiements), puis transmettre à nouveau.",
    "The platform refuses the \"received\" status of the payment of {amount} on {number}: "
    "{reasons}.",
    "Check the payment's amount and invoice (Paiements), then transmit again.")


HELD: dict[str, tuple[str, str]] = {
    "not_deposited": (
        ("en attente du statut « Déposée » (200) de la facture : « Mettre à jour les "
         "statuts », puis transmettre"),
        ("waiting for the invoice's « Déposée » (200) status: update the statuses, then "
         "transmit")),
    "rejected": (
        ("facture rejetée par la plateforme (213) : part quand la facture corrigée est "
         "déposée (200)"),
        ("invoice rejected by the platform (213): goes once the corrected invoice is "
         "deposited (200)")),
    "refused": (
        "facture refusée par le client (210) : aucun statut « Encaissée » après un refus",
        "invoice refused by the client (210): no \"received\" status after a refusal"),
}


@dataclass
class ReceiptTransmission:
    """One 212 and what became of it: "preview", "sent", "already", "claimed" (another
    run was sending it at that moment), "refused", "failed", "waiting" (the invoice not
    deposited yet, or rejected), "withheld" (the client refused the invoice)."""

    number: str
    received_on: date
    amount: Decimal
    status: str = "preview"
    tracking_id: str = ""
    flow_id: str = ""
    error: str = ""
    undo: bool = False
    client: str = ""
    name: str = ""

    def as_json(self) -> dict[str, object]:
        return {**self.__dict__, "received_on": self.received_on.isoformat(),
                "amount": str(self.amount)}


def tracking_id(siren: str, message_key: str) -> str:
    return str(uuid.uuid5(TRACKING_212, f"{siren}/{message_key}"))


def _facts(ctx: Ctx, docs: list[InvoiceDoc], book: FlowLedger | None,
           current: dict[str, tuple[str, str, str]]) -> list[R.InvoiceFacts]:
    sent = {n for n, s in book.latest().items() if s.state == SENT} if book else set()
    out = []
    for doc in docs:
        i = ctx.posted_by_number(doc.number)
        kind = str(ctx.inv_type[i]) if i is not None else "invoice"
        out.append(R.InvoiceFacts(
            doc.number, doc.issue_date, kind, doc.nature, doc.vat_on_debits,
            doc.exemption == "franchise", doc.total,
            tuple((v.rate * 100, v.base, v.vat) for v in doc.vat_rows),  # rates in percent
            doc.number in sent, current.get(doc.number, ("", "", ""))[1]))
    return out


def receipts_of(ctx: Ctx, docs: list[InvoiceDoc]) -> list[R.Receipt]:
    """The Paiements rows, each applied to its document's number as issued (the cell may
    differ in case or spaces)."""
    numbers = {norm(d.number): d.number for d in docs}
    if not ctx.has("Paiements"):
        return []
    dates, amounts = ctx.col("Paiements", "date"), ctx.col("Paiements", "amount")
    invoices, refs = ctx.col("Paiements", "invoice"), ctx.col("Paiements", "reference")
    rows: list[tuple[int, tuple[str, date, Decimal, str]]] = []
    for i, (on, amount) in enumerate(zip(dates, amounts, strict=True)):
        if not isinstance(on, date) or amount is None or amount == "":
            continue  # an unreadable cell is the check's finding; nothing is reported
        try:
            value = D(amount)
        except (ArithmeticError, ValueError, TypeError):
            continue
        number = numbers.get(norm(invoices[i]), str(invoices[i] or "").strip())
        rows.append((i, (number, on, value, str(refs[i] or "").strip())))
    keys = R.receipt_keys([r for _i, r in rows])
    return [R.Receipt(k, i, r[0], r[1], r[2]) for k, (i, r) in zip(keys, rows, strict=True)]


def plan(ctx: Ctx, docs: list[InvoiceDoc], book: FlowLedger | None,
         rbook: ReceiptLedger | None,
         current: dict[str, tuple[str, str, str]]) -> tuple[R.Plan, set[str]]:
    """The 212s due, and the message keys of those the platform refused (not resent)."""
    rows = rbook.rows() if rbook else []
    reported = [R.Reported(r.receipt, r.seq, r.number,
                           r.amount if r.state == SENT else D(0)) for r in rows
                if r.state != SENDING]  # "sending" rows: settled by ``settle`` first
    refused = {(r.receipt, r.amount) for r in rows if r.state == REFUSED}
    debits = ctx.setting("vat_on_debits")
    vat_on_debits = debits is True or text(debits).casefold() in ("yes", "oui", "true", "1")
    out = R.plan_statuses(_facts(ctx, docs, book, current), receipts_of(ctx, docs), reported,
                          vat_on_debits=vat_on_debits, today=ctx.today)
    skip = {s.message_key for s in out.send if (s.key, s.amount) in refused}
    return out, skip


def settle(platform: Platform, rbook: ReceiptLedger) -> int:
    """The 212s a run recorded "about to send" and never heard back about (it ended):
    found on the platform by their trackingId (sent), or forgotten so they are planned
    again under the same identity; one a live run is sending is left to it. The count
    found."""
    found = 0
    for row in rbook.rows():
        if row.state != SENDING or not rbook.take_over(row.tracking_id):
            continue
        landed = next(platform.search(tracking_id=row.tracking_id), None)
        if landed is not None:
            rbook.sent(row.tracking_id, landed.flow_id)
            found += 1
        else:
            rbook.forget(row.tracking_id)
    return found


def run(ctx: Ctx, docs: list[InvoiceDoc], book: FlowLedger | None,
        rbook: ReceiptLedger | None,
        current: dict[str, tuple[str, str, str]], platform: Platform | None,
        after_prepare: Callable[[str], None] | None = None) -> list[ReceiptTransmission]:
    """List (no ``platform``) or send the 212s due; findings into ``ctx``."""
    if platform is not None and rbook is not None:
        settle(platform, rbook)
    due, skip = plan(ctx, docs, book, rbook, current)
    by_number = {d.number: d for d in docs}
    siren = str(ctx.setting("seller_siren") or "").replace(" ", "")
    seller_name = str(ctx.setting("seller_name") or "")
    items: list[ReceiptTransmission] = []
    for s in due.corrections:
        i = ctx.posted_by_number(s.number)
        redo = [x for x in due.send if x.number == s.number and not x.undo]
        ctx.add("ENC-UNDONE", WARNING, "Factures", i, "number", s.number, UNDONE,
                amount=ctx.money(-s.amount), number=s.number, undo=ctx.money(s.amount),
                redo="".join(f", puis {ctx.money(x.amount)}" if ctx.fr else
                             f", then {ctx.money(x.amount)}" for x in redo))
    for h in due.held:  # not for the platform yet (or ever): listed, with why
        buyer = by_number[h.number].buyer
        items.append(ReceiptTransmission(
            h.number, h.on, h.amount, "waiting" if h.waiting else "withheld",
            error=HELD[h.why][0 if ctx.fr else 1], client=buyer.code or buyer.name,
            name=buyer.name))
    for s in due.send:
        if s.message_key in skip:
            continue
        doc = by_number[s.number]
        item = ReceiptTransmission(s.number, s.on, s.amount, undo=s.undo,
                                   tracking_id=tracking_id(siren, s.message_key),
                                   client=doc.buyer.code or doc.buyer.name,
                                   name=doc.buyer.name)
        items.append(item)
        if platform is None or rbook is None:
            continue
        xml = encaissee(
            message_id=message_id(item.tracking_id),
            seller=Party212(seller_name, siren),
            buyer=Party212(doc.buyer.name, doc.buyer.siren.replace(" ", ""),
                           doc.buyer.address_id if doc.buyer.address_scheme == "0225"
                           else ""),
            number=s.number, kind=str(ctx.inv_type[i]) if (i := ctx.posted_by_number(
                s.number)) is not None else "invoice",
            issue_date=s.issue_date, received_on=s.on,
            shares=[(x.rate, x.amount) for x in s.shares],
            created=datetime.combine(s.on, datetime.min.time(), UTC).replace(hour=18),
            note="Annulation d'un encaissement déclaré à tort" if s.undo else "")
        digest = hashlib.sha256(xml).hexdigest()
        try:
            claim = rbook.claim(s.message_key, s.key, s.seq, s.number, s.on.isoformat(),
                                s.amount, item.tracking_id, digest)
            if claim in (BUSY, DONE):  # another run is sending it, or has settled it
                item.status = "claimed" if claim == BUSY else "already"
                continue
            if claim == ORPHAN:  # left "sending" by a run that ended: did it land?
                landed = next(platform.search(tracking_id=item.tracking_id), None)
                if landed is not None:
                    rbook.sent(item.tracking_id, landed.flow_id)
                    item.status, item.flow_id = "already", landed.flow_id
                    continue
                rbook.resend(item.tracking_id, digest)
            if after_prepare is not None:
                after_prepare(s.message_key)
            flow = platform.submit(xml, filename=f"212-{s.number.replace('/', '_')}-"
                                   f"{item.tracking_id[:8]}.xml",
                                   tracking_id=item.tracking_id, sha256=digest,
                                   syntax="CDAR", processing_rule="B2B")
        except PlatformError as err:
            if err.transient or err.status in (401, 403):
                rbook.release(item.tracking_id)
                item.status, item.error = "failed", str(err)
                for rest in due.send[due.send.index(s) + 1:]:
                    if rest.message_key not in skip:
                        buyer = by_number[rest.number].buyer
                        items.append(ReceiptTransmission(
                            rest.number, rest.on, rest.amount, "failed", undo=rest.undo,
                            error=str(err), client=buyer.code or buyer.name,
                            name=buyer.name))
                log.warning("platform unreachable, the 212 statuses wait: %s", err)
                return items
            reasons = "; ".join(f"{r.code} {r.message}".strip() for r in err.reasons) or \
                str(err)
            rbook.refused(item.tracking_id, reasons)
            item.status, item.error = "refused", reasons
            ctx.add("ENC-REFUSED", ERROR, "Paiements", s.row, "amount", s.number,
                    REFUSED_212, amount=ctx.money(s.amount), number=s.number,
                    reasons=reasons[:400])
            continue
        rbook.sent(item.tracking_id, flow.flow_id)
        item.status, item.flow_id = "sent", flow.flow_id
    return items
