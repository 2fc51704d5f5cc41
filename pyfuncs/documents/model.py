"""What an issued document says: seller, client, lines, VAT, mentions; read from the tables.

``build_documents`` turns the issued rows of Factures (invoices, deposits, credit notes)
into ``InvoiceDoc`` records, the one input of both the PDF layout and the Factur-X XML,
so the two can never disagree. A document that cannot be made (a mandatory mention
missing, totals that differ from the workbook's, a VAT rate with no legal reason) is a
finding naming its sheet, row and column; the others are still made.

Signs: the workbook stores a credit note with negative quantities and totals. Here every
amount of a credit note is turned positive (type code 381 says it is a credit, as CII
wants), so the PDF and the XML show the same figures; a line that really reduces a
document (a deposit deducted on a final invoice) keeps a negative quantity and a positive
unit price (EN 16931 BR-27: a price is never negative).

VAT categories (EN 16931 / UNCL5305), stated in ``domain.vat.zero_rate_category``: S for
a rate above 0; for an EU business client outside France with a valid VAT number, AE
(reverse charge, "Autoliquidation") for services and K (an exempt intra-Community supply,
CGI art. 262 ter I, VATEX-EU-IC) for goods; for a client outside the EU, O (outside the
scope of French VAT, CGI art. 259-1) for services and G (an exempt export, CGI art. 262 I,
VATEX-EU-G) for goods; E with the reason "TVA non applicable, art. 293 B du CGI" when the
seller is under the franchise. A 0 % line with none of these reasons (a French client, an
EU client without a valid VAT number) is a finding. A line's nature is its own Nature
column, else its client's (Clients), else Paramètres'; a 0 % line of a "goods and
services" client outside France with no Nature of its own is a finding, not a guess; and
EN 16931 lets no other category beside O (BR-O-11), so services out of scope and goods
exported go on separate invoices. Nature of the operation (DOMAIN.md §1): the client's,
else Paramètres'; the client's delivery address when it differs (BG-15); the deliver-to
country (BT-80) always for an intra-Community supply (BR-IC-12).

Date of the service (CGI ann. II art. 242 nonies A, I): each line carries the date or
period it bills (the Prestation du / au columns, written by "Générer les factures" from
the time entries, the contract period, the milestone or the delivery date); a line left
blank was performed on the issue date. A deduction line follows its document. When all
lines share one date or period, the document states it once; otherwise each line does.

Deposit deductions (a final invoice, billing mode S4): a line is the deduction of an
issued deposit when its Origine is ``déduction:NUMBER`` (as the product writes it),
``Acompte NUMBER``, or when it is negative and its label names an issued deposit
(``domain.checks.mentions.deposit_deduction``, which ``check`` uses too).
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from pyfuncs.documents.addresses import ADDRESS_CHARS, electronic_address
from pyfuncs.documents.categories import (
    line_nature_missing,
    no_vat_number,
    out_of_scope_mixed,
    rows_by_category,
)
from pyfuncs.documents.record import (
    DocLine,
    InvoiceDoc,
    Party,
    VatRow,
)
from pyfuncs.domain.checks.mentions import (
    COMPANY_FORMS,
    DELIVERY,
    delivery_missing,
    deposit_deduction,
    issued_deposits,
)
from pyfuncs.domain.context import Ctx, is_yes, message, norm, text
from pyfuncs.domain.einvoicing import is_private
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.money import ZERO, line_net
from pyfuncs.domain.penalties import owes_professional_penalties
from pyfuncs.domain.reminders import valid_address
from pyfuncs.domain.vat import DOMESTIC, EU, EXEMPTIONS, zero_rate_category

NUMBER_CHARS = re.compile(r"^[A-Za-z0-9+\-_/]{1,35}$")  # BR-FR-01, BR-FR-02
SIREN_MANDATORY_FROM = date(2026, 9, 1)


# ----------------------------------------------------------------------------- messages
M_SELLER = message("Impossible d'éditer les factures : {setting} du vendeur manque (mention "
                   "obligatoire).",
                   "Renseigner « {setting} » dans Paramètres.",
                   "Invoices cannot be printed: the seller's {setting} is missing (a mandatory "
                   "mention).", "Fill in \"{setting}\" in Settings.")
M_CLIENT = message("Pièce {doc} non éditée : {what} du client {client} manque (mention "
                   "obligatoire).", "Compléter la fiche client (colonne {column}).",
                   "Document {doc} not printed: client {client}'s {what} is missing (a "
                   "mandatory mention).", "Complete the client's record ({column} column).")
M_DOC = message("Pièce {doc} non éditée : {what}.", "{fix_fr}",
                "Document {doc} not printed: {what_en}.", "{fix_en}")
M_LOGO = message("Logo introuvable : {path} ; les pièces sont éditées sans logo.",
                 "Corriger le chemin du logo dans Paramètres (relatif au dossier du classeur).",
                 "Logo not found: {path}; documents are printed without it.",
                 "Correct the logo's path in Settings (relative to the workbook's folder).")


class _Builder:
    def __init__(self, ctx: Ctx, base_dir: Path) -> None:
        self.ctx = ctx
        s = ctx.setting
        self.fr = ctx.fr
        self.franchise = is_yes(s("vat_franchise"))
        self.debits = is_yes(s("vat_on_debits"))
        self.nature = text(s("operation_nature")) or "services"
        self.discount = text(s("early_payment_discount"))
        indemnity = s("recovery_indemnity")
        self.indemnity = indemnity if isinstance(indemnity, Decimal) else Decimal(40)
        penalty = s("penalty_rate")
        self.penalty = penalty if isinstance(penalty, Decimal) else None
        self.seller_ok = self._seller_checks()
        siren = text(s("seller_siren")).replace(" ", "")
        scheme, ident = electronic_address(text(s("seller_electronic_address")), siren, "")
        capital = s("seller_capital")
        self.seller = Party(
            text(s("seller_name")), text(s("seller_address")), text(s("seller_postcode")),
            text(s("seller_city")), (text(s("seller_country")) or "FR").upper(), siren,
            text(s("seller_siret")).replace(" ", ""), text(s("seller_vat")).replace(" ", ""),
            text(s("seller_legal_form")), capital if isinstance(capital, Decimal) else None,
            text(s("seller_rcs")), text(s("seller_email")), text(s("seller_phone")),
            text(s("seller_iban")).replace(" ", ""), text(s("seller_bic")), scheme, ident)
        self.logo: Path | None = None
        logo = text(s("seller_logo"))
        if logo:
            path = Path(logo).expanduser()
            path = path if path.is_absolute() else base_dir / path
            if path.is_file():
                self.logo = path
            else:
                ctx.add_setting("PDF-LOGO", WARNING, "seller_logo", M_LOGO, path=str(path))

    def _seller_checks(self) -> bool:
        ctx = self.ctx
        needed = ["seller_name", "seller_address", "seller_postcode", "seller_city",
                  "seller_siren", "seller_vat"]
        form = text(ctx.setting("seller_legal_form")).upper()
        if form in COMPANY_FORMS:
            needed += ["seller_capital", "seller_rcs"]
        ok = True
        for key in needed:
            if ctx.setting(key) in (None, ""):
                ctx.add_setting("PDF-SELLER", ERROR, key, M_SELLER)
                ok = False
        return ok

    def _penalty_rate(self, day: date) -> Decimal | None:
        if self.penalty is not None:
            return self.penalty
        ctx = self.ctx
        if not ctx.has("TauxPenalite"):
            return None
        for start, end, rate in zip(ctx.col("TauxPenalite", "start"),
                                    ctx.col("TauxPenalite", "end"),
                                    ctx.col("TauxPenalite", "penalty_rate")):
            if isinstance(start, date) and isinstance(end, date) and start <= day <= end \
                    and isinstance(rate, Decimal):
                return rate
        return None

    def _doc_finding(self, i: int, key: str, ref: str, what: tuple[str, str],
                     fix: tuple[str, str]) -> None:
        self.ctx.add("PDF-DOCUMENT", ERROR, "Factures", i, key, ref, M_DOC, doc=ref,
                     what=what[0], what_en=what[1], fix_fr=fix[0], fix_en=fix[1])

    def _buyer(self, i: int, ref: str, day: date
               ) -> tuple[Party, str, str, str, Party | None] | None:
        """The client, its language, its kind ('fr', 'eu', 'other'), the nature of the
        operations and the delivery address (None: the billing address)."""
        ctx = self.ctx
        c = ctx.inv_client[i]
        if c < 0:
            self._doc_finding(i, "client", ref, ("client inconnu", "unknown client"),
                              ("Créer le client dans Clients.", "Create the client in Clients."))
            return None
        col = lambda key: text(ctx.col("Clients", key)[c])
        code = col("id")
        country = col("country").upper()
        siren = col("siren").replace(" ", "")
        vat = col("vat_number").replace(" ", "")
        kind = "fr" if country in DOMESTIC else "eu" if country in EU else "other"
        missing = [(k, fr, en) for k, fr, en in (
            ("name", "la raison sociale", "company name"), ("address", "l'adresse", "address"),
            ("postcode", "le code postal", "postcode"), ("city", "la ville", "city"))
            if not col(k)]
        private = is_private(ctx.col("Clients", "private")[c])
        if kind == "fr" and not siren and not private and day >= SIREN_MANDATORY_FROM:
            missing.append(("siren", ("le SIREN (un particulier n'en a pas : « Oui » dans "
                                      "Particulier)"), ("SIREN (a private person has none: "
                                                        "'Yes' in Private person)")))
        scheme, ident = electronic_address(col("electronic_address"), siren, vat)
        if not ident and private and valid_address(col("billing_email")):
            # a private person has no e-invoicing address: their email (EAS scheme EM)
            # fills the buyer's electronic address that BR-FR-12 asks of every invoice
            scheme, ident = "EM", col("billing_email")
        if not ident:
            missing.append(("electronic_address",
                            "l'adresse électronique de facturation (BT-49)"
                            + (" ou l'email de facturation" if private else ""),
                            "electronic invoicing address (BT-49)"
                            + (" or billing email" if private else "")))
        elif scheme != "EM" and not ADDRESS_CHARS.match(ident):  # EM: checked as an email
            missing.append(("electronic_address",
                            ("une adresse électronique valide (lettres, chiffres, - _ . "
                             "seulement)"),
                            "a valid electronic address (letters, digits, - _ . only)"))
        shipping = [col(k) for k in DELIVERY]
        missing += [(k, *DELIVERY[k]) for k in delivery_missing(dict(zip(DELIVERY, shipping)))]
        nature = col("nature") or self.nature
        if missing:
            for key, fr, en in missing:
                ctx.add("PDF-CLIENT", ERROR, "Clients", c, key, ref, M_CLIENT, doc=ref,
                        client=code, what=fr if self.fr else en,
                        column=ctx.tables["Clients"].labels.get(key, key))
            return None
        lang = col("language") if col("language") in ("fr", "en") else \
            ("fr" if self.fr else "en")
        party = Party(col("name"), col("address"), col("postcode"), col("city"), country,
                      siren, col("siret").replace(" ", ""), vat, col("legal_form"),
                      address_scheme=scheme, address_id=ident, code=code, private=private)
        billing = [norm(v) for v in (party.address, party.postcode, party.city)]
        street, postcode, city = shipping  # DELIVERY's three columns, in its order
        delivery = Party(party.name, street, postcode, city, country) if any(shipping) and [
            norm(v) for v in shipping] != billing else None
        return party, lang, kind, nature, delivery

    def build(self, i: int) -> InvoiceDoc | None:
        ctx = self.ctx
        col = lambda key: ctx.col("Factures", key)[i]
        number = text(col("number"))
        kind = col("type") or "invoice"
        day = col("issue_date")
        if not isinstance(day, date):
            self._doc_finding(i, "issue_date", number, ("date d'émission absente",
                                                        "no issue date"),
                              ("Saisir la date.", "Enter the date."))
            return None
        if not NUMBER_CHARS.match(number):
            self._doc_finding(i, "number", number, (
                ("numéro invalide pour la facture électronique (35 caractères au plus, A-Z "
                 "a-z 0-9 + - _ / sans espace)"),
                ("number invalid for e-invoicing (at most 35 characters, A-Z a-z 0-9 + - _ /, "
                 "no space)")),
                ("Émettre une pièce corrigée.", "Issue a corrected document."))
            return None
        if not self.seller_ok:
            return None
        got = self._buyer(i, number, day)
        if got is None:
            return None
        buyer, lang, client_kind, nature, delivery = got
        currency = text(col("currency")) or text(ctx.setting("currency")) or "EUR"
        if currency.upper() != "EUR":
            self._doc_finding(i, "currency", number, (
                f"devise {currency} : seules les pièces en euros sont éditées pour l'instant",
                f"currency {currency}: only documents in euros are printed for now"),
                ("Éditer cette pièce à la main.", "Print this document by hand."))
            return None
        due = col("due_date")
        if not isinstance(due, date):
            self._doc_finding(i, "due_date", number,
                              ("date d'échéance absente (mention obligatoire)",
                               "no due date (a mandatory mention)"),
                              ("Saisir l'échéance.", "Enter the due date."))
            return None
        penalty = self._penalty_rate(day)
        # a private person's document states no penalty rate (art. L441-9 C. com. asks it
        # between professionals): it is not held up by a missing one
        if penalty is None and owes_professional_penalties(buyer.private):
            ctx.add_setting("PDF-SELLER", ERROR, "penalty_rate", M_SELLER)
            return None
        sign = -1 if kind == "credit_note" else 1
        lines: list[DocLine] = []
        deducted: list[tuple[str, date | None]] = []
        L = lambda key, k: ctx.col("LignesFacture", key)[k]
        dates = {text(n).casefold(): d for n, d in zip(ctx.inv_number,
                                                        ctx.col("Factures", "issue_date"))}
        deposits = issued_deposits(ctx)
        has_nature = "nature" in ctx.tables["LignesFacture"].cols
        for k in ctx.lines(i):
            qty = L("quantity", k) or ZERO
            price = L("unit_price", k) or ZERO
            rate = L("vat_rate", k) or ZERO
            if price < 0:  # BR-27: the price is never negative; the quantity carries it
                qty, price = -qty, -price
            qty *= sign
            line_nature = text(L("nature", k)) if has_nature else ""
            goods = (line_nature or nature) == "goods"
            if rate == 0 and not self.franchise and client_kind != "fr" and \
                    nature == "both" and line_nature not in ("goods", "services"):
                line_nature_missing(ctx, k, number)
                return None
            category = "S" if rate > 0 else zero_rate_category(
                buyer.country, buyer.vat, goods, self.franchise)
            if not category and goods and client_kind == "eu":
                no_vat_number(ctx, k, number)
                return None
            if not category or (self.franchise and rate > 0):
                self.ctx.add("PDF-VAT", ERROR, "LignesFacture", k, "vat_rate", number, M_DOC,
                             doc=number, what="ligne à 0 % sans motif d'exonération" if
                             rate == 0 else "TVA facturée alors que le vendeur est en franchise",
                             what_en="0 % line with no legal reason" if rate == 0 else
                             "VAT charged while the seller is under the franchise",
                             fix_fr="Émettre un avoir et une facture corrigée.",
                             fix_en="Issue a credit note and a corrected invoice.")
                return None
            ref = None if kind != "invoice" else deposit_deduction(
                text(L("source", k)), text(L("label", k)), qty < 0, deposits)
            start, end = L("service_start", k), L("service_end", k)
            start = start if isinstance(start, date) else None
            end = end if isinstance(end, date) else start
            if start is None:
                start = end
            if ref is not None:
                start = end = None
            elif start is None or end is None:
                start = end = day
            elif start > end:
                start, end = end, start
            lines.append(DocLine(text(L("label", k)), qty, text(L("unit", k)), price, rate,
                                 line_net(qty, price), category, start, end))
            if ref is not None and ref not in [d for d, _ in deducted]:
                deducted.append((ref, dates.get(ref.casefold())))
        if not lines:
            self._doc_finding(i, "id", number, ("aucune ligne", "no lines"),
                              ("Saisir ses lignes.", "Enter its lines."))
            return None
        vat_rows = [VatRow(*row) for row in
                    rows_by_category([(ln.net, ln.vat_rate, ln.category) for ln in lines])]
        if out_of_scope_mixed(ctx, i, number, [r.category for r in vat_rows]):
            return None
        net = sum((r.base for r in vat_rows), ZERO)
        vat = sum((r.vat for r in vat_rows), ZERO)
        book = (col("net"), col("vat"), col("total"))
        if book != (net * sign, vat * sign, (net + vat) * sign):
            self._doc_finding(i, "total", number, (
                "les totaux du classeur diffèrent de ceux des lignes (TVA par taux)",
                "the workbook's totals differ from those of its lines (VAT per rate)"),
                ("Rétablir les formules ; lancer Contrôler.", "Restore the formulas; run Check."))
            return None
        credited, credited_date = "", None
        if kind == "credit_note":
            credited = text(col("credited"))
            j = ctx.posted_by_number(credited) if credited else None
            if j is None:
                self._doc_finding(i, "credited", number, (
                    "un avoir doit citer la facture émise qu'il crédite",
                    "a credit note must name the issued invoice it credits"),
                    ("Saisir le numéro dans « Facture d'origine ».",
                     "Enter its number in \"Credited invoice\"."))
                return None
            credited = text(ctx.inv_number[j])
            credited_date = ctx.col("Factures", "issue_date")[j]
        mode = ctx.col("Clients", "payment_mode")[ctx.inv_client[i]] if \
            "payment_mode" in ctx.tables["Clients"].cols else None
        return InvoiceDoc(
            kind, number, day, due, text(col("terms")), self.seller, buyer, lines, vat_rows,
            net, vat, net + vat, sign, lang, "EUR", text(col("po")), text(col("quote")),
            credited, credited_date, deducted, penalty, self.indemnity, self.discount,
            self.debits, nature, next((EXEMPTIONS[r.category] for r in vat_rows
                                       if r.category in EXEMPTIONS), ""),
            text(mode), self.logo, delivery, i)


def build_documents(ctx: Ctx, numbers: list[str] | None, base_dir: Path
                    ) -> tuple[list[InvoiceDoc], list[str]]:
    """The issued documents (all, or those numbered ``numbers``), in sheet order, and the
    numbers asked for that are no issued document. Findings go to ``ctx.findings``."""
    wanted = None if numbers is None else {norm(n): n for n in numbers}
    builder = _Builder(ctx, base_dir)
    docs: list[InvoiceDoc] = []
    found: set[str] = set()
    for i, posted in enumerate(ctx.posted):
        key = norm(ctx.inv_number[i])
        if not posted or (wanted is not None and key not in wanted):
            continue
        found.add(key)
        doc = builder.build(i)
        if doc is not None:
            docs.append(doc)
    unknown = [] if wanted is None else [n for k, n in wanted.items() if k not in found]
    return docs, unknown
