"""Mandatory mentions, payment terms and clients that cannot be reminded (DOMAIN.md §1
and §3).

The seller's identity comes from Paramètres and is printed on every invoice, so a missing
value is one finding, not one per invoice. A client's missing mention is an error when
the client has invoices (drafts included: they are about to be issued), a warning when it
has none yet. The client's SIREN becomes mandatory on invoices on 1 September 2026 for
large companies and 1 September 2027 for the others; the seller's size is not in the
workbook, so the earlier date is used (it is also when every business must be able to
receive e-invoices, which are addressed by SIREN).

Payment terms: at most 60 days from the invoice date, or 45 days end of month; how to
count the latter is disputed (end of month then +45 days, or +45 days then end of month)
and both are legal, so a due date is accepted if it is within any of the three limits.

Date of the service (CGI ann. II art. 242 nonies A, I): "Générer les factures" writes it
on each line it bills (Prestation du / au); on a hand-typed draft, a blank means the
issue date. That blank is reported where the service date is known to differ: another
line of the same draft is dated otherwise, or the draft bills a quote delivered on
another day. A period that ends before it starts is an error.

Deposit deductions: a final invoice states "Facture de solde : déduction faite de …" and
references the deposit invoice (BT-25). A line is that deduction when its Origine is
``déduction:NUMBER`` (as "Générer les factures" writes it), or ``Acompte NUMBER`` (or
``Acompte`` with the number in its label), or when it is negative and its label names an
issued deposit. A negative line that speaks of a deposit but names none is reported: its
invoice would go out without the mention.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from pyfuncs.domain.context import Ctx, message, norm, text
from pyfuncs.domain.einvoicing import is_private
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.money import ZERO
from pyfuncs.domain.schema import choice_label
from pyfuncs.domain.terms import due_date, end_of_month, latest_legal_due

SIREN_MANDATORY_FROM = date(2026, 9, 1)
DEPOSIT_WORDS = re.compile(r"\b(acompte|deposit|déduction|deduction)\b", re.IGNORECASE)
NUMBER_WORDS = re.compile(r"[A-Za-z0-9+\-_/]+")
RECOVERY_INDEMNITY = Decimal(40)
COMPANY_FORMS = frozenset(("SA", "SAS", "SASU", "SARL", "EURL", "SNC", "SCS", "SCA",
                           "SELARL", "SELAS", "SELASU", "SELAFA", "SELCA", "SELEURL", "SCOP"))

SELLER = message("Mention obligatoire manquante : {setting} du vendeur.",
                 "Renseigner « {setting} » dans la feuille Paramètres ; elle figure sur chaque "
                 "facture.",
                 "Mandatory mention missing: the seller's {setting}.",
                 "Fill in \"{setting}\" in the Settings sheet; it is printed on every invoice.")
SELLER_FORM = message("Forme juridique du vendeur absente : impossible de savoir si le capital "
                      "social et le RCS doivent figurer sur les factures.",
                      "Renseigner la forme juridique (SAS, SARL, EI…) dans Paramètres.",
                      "The seller's legal form is missing: whether share capital and RCS must be "
                      "shown cannot be told.",
                      "Fill in the legal form (SAS, SARL, EI...) in Settings.")
SELLER_COMPANY = message("Mention obligatoire pour une {form} : {setting} du vendeur.",
                         "Renseigner « {setting} » dans la feuille Paramètres.",
                         "Mandatory for a {form}: the seller's {setting}.",
                         "Fill in \"{setting}\" in the Settings sheet.")
CLIENT = message("Client {client} : {what} manque, mention obligatoire sur ses factures.{when}",
                 "Compléter la fiche client (colonne {column}).",
                 "Client {client}: {what} missing, a mandatory mention on its invoices.{when}",
                 "Complete the client's record ({column} column).")
DUE_MISSING = message("Pièce émise sans date d'échéance (mention obligatoire){terms}.",
                      "Saisir la date d'échéance{from_terms}.",
                      "Issued document with no due date (a mandatory mention){terms}.",
                      "Enter the due date{from_terms}.")
DUE_BEFORE = message("Échéance au {due}, avant la date de la facture ({day}).",
                     "Corriger l'échéance (au plus tôt la date de la facture : « à réception »).",
                     "Due on {due}, before the invoice's date ({day}).",
                     "Correct the due date (at the earliest the invoice's date: \"on receipt\").")
TERMS = message("Échéance au {due}, {days} jours après la facture : au-delà du maximum légal (60 "
                "jours, le {d60} ; ou 45 jours fin de mois, le {d45}).",
                "Ramener l'échéance au {d60} au plus tard (L441-10 du Code de commerce : jusqu'à "
                "2 M€ d'amende).",
                "Due on {due}, {days} days after the invoice: beyond the legal maximum (60 days, "
                "{d60}; or 45 days end of month, {d45}).",
                "Bring the due date back to {d60} at the latest (French commercial code L441-10).")
TERMS_DUE = message("Échéance au {due} alors que les conditions « {terms} » la mettent au "
                    "{want} : la facture dit deux choses.",
                    "Corriger l'échéance ou les conditions de paiement pour qu'elles "
                    "concordent.",
                    "Due on {due} while the terms \"{terms}\" put it on {want}: the invoice "
                    "says two things.",
                    "Correct the due date or the payment terms so that they agree.")
PENALTY = message("Taux de pénalités contractuel {rate} inférieur au minimum légal de {minimum} "
                  "(3 × le taux d'intérêt légal de {legal}, en vigueur depuis le {day}).",
                  "Fixer un taux d'au moins {minimum}, ou vider la cellule pour appliquer le taux "
                  "BCE + 10 points.",
                  "Contractual penalty rate {rate} is below the legal minimum of {minimum} (3 × "
                  "the legal interest rate of {legal}, in force since {day}).",
                  "Set a rate of at least {minimum}, or clear the cell to use the ECB rate + 10 "
                  "points.")
PENALTY_TABLE = message("Aucun taux de pénalités pour le {day} dans la table des taux : les "
                        "pénalités de retard ne peuvent pas être mentionnées ni calculées.",
                        "Ajouter la ligne du semestre (taux BCE du 1er janvier ou du 1er juillet "
                        "+ 10 points).",
                        "No penalty rate for {day} in the rates table: late-payment penalties can "
                        "be neither stated nor computed.",
                        "Add the half-year's row (ECB rate of 1 January or 1 July + 10 points).")
INDEMNITY = message("Indemnité forfaitaire de recouvrement de {amount} : le montant légal est 40 "
                    "€ (D441-5).",
                    "Saisir 40.",
                    "Fixed recovery indemnity of {amount}: the legal amount is 40 EUR (D441-5).",
                    "Enter 40.")
INDEMNITY_EMPTY = message("Indemnité forfaitaire de recouvrement vide (mention obligatoire : 40 "
                          "€).",
                          "Saisir 40.",
                          "Fixed recovery indemnity empty (a mandatory mention: 40 EUR).",
                          "Enter 40.")
DISCOUNT = message("Conditions d'escompte vides : la facture doit indiquer l'escompte ou son "
                   "absence.",
                   "Saisir par exemple « Pas d'escompte pour paiement anticipé. »",
                   "Early-payment discount terms empty: an invoice must state the discount or "
                   "that there is none.",
                   "Enter for instance \"No discount for early payment.\"")
PO = message("Le client {client} exige un N° de commande, absent de cette facture.",
             "Saisir le N° de bon de commande du client avant l'émission (sinon la facture risque "
             "d'être rejetée).",
             "Client {client} requires a PO number, missing on this invoice.",
             "Enter the client's purchase order number before issuing (or the invoice may be "
             "rejected).")
SERVICE_BLANK = message(
    "Pièce à émettre {doc} : date de prestation vide sur cette ligne ; elle sera réputée "
    "faite le {day} (date d'émission), alors que {why}.",
    "Saisir la date (ou la période) de la prestation dans « Prestation du » / « au » "
    "(mention obligatoire quand elle diffère de la date de la facture).",
    "Document to issue {doc}: no service date on this line; it will be taken as {day} (the "
    "issue date), while {why_en}.",
    "Enter the date (or period) of the service in \"Service from\" / \"to\" (a mandatory "
    "mention when it differs from the invoice's date).")
SERVICE_ORDER = message(
    "Période de prestation inversée : du {start} au {end}.",
    "Corriger « Prestation du » / « au » (le début avant la fin).",
    "Service period reversed: from {start} to {end}.",
    "Correct \"Service from\" / \"to\" (the start before the end).")
DEDUCTION = message(
    "Ligne négative « {label} » : elle semble déduire un acompte, mais ne nomme aucune "
    "facture d'acompte émise ; la facture n'aura ni la mention « Facture de solde : "
    "déduction faite de … » ni la référence de l'acompte.",
    "Écrire dans Origine « déduction:NUMÉRO » (le numéro de la facture d'acompte).",
    "Negative line \"{label}\": it seems to deduct a deposit but names no issued deposit "
    "invoice; the invoice will lack the final-invoice mention and the deposit's reference.",
    "Write \"déduction:NUMBER\" (the deposit invoice's number) in Source.")
NO_EMAIL = message("Client {client} : {open} de factures ouvertes et aucun email de facturation : "
                   "il ne peut pas être relancé.",
                   "Saisir l'email de facturation du client.",
                   "Client {client}: {open} of open invoices and no billing email: it cannot be "
                   "reminded.",
                   "Enter the client's billing email.")


# a client's delivery address (printed when it differs from the billing address): all of
# it or none of it
DELIVERY = {"delivery_address": ("l'adresse de livraison", "delivery address"),
            "delivery_postcode": ("le code postal de livraison", "delivery postcode"),
            "delivery_city": ("la ville de livraison", "delivery city")}


def delivery_missing(values: dict[str, str]) -> list[str]:
    """The keys of DELIVERY left blank in ``values`` when another is filled in."""
    if not any(values.get(k) for k in DELIVERY):
        return []
    return [k for k in DELIVERY if not values.get(k)]


def issued_deposits(ctx: Ctx) -> dict[str, str]:
    """Folded number -> number of every issued deposit invoice."""
    return {text(n).casefold(): text(n) for n, kind, posted in
            zip(ctx.inv_number, ctx.inv_type, ctx.posted)
            if posted and kind == "deposit" and text(n)}


def deposit_deduction(source: str, label: str, negative: bool, deposits: dict[str, str]
                      ) -> str | None:
    """The number of the issued document a line of an invoice deducts, else None.
    ``deposits`` maps the folded numbers of the issued deposits to their numbers."""
    source = source.strip()
    if source.casefold().startswith("déduction:"):
        ref = source.split(":", 1)[1].strip()
        return deposits.get(ref.casefold(), ref)
    if not (negative or source.casefold().startswith(("acompte", "deposit"))):
        return None
    for word in NUMBER_WORDS.findall(f"{source} {label}"):
        if word.casefold() in deposits:
            return deposits[word.casefold()]
    return None


def check_mentions(ctx: Ctx) -> None:
    _seller(ctx)
    _penalties(ctx)
    if ctx.has("Clients"):
        _clients(ctx)
    if ctx.has("Factures"):
        _invoices(ctx)
        if ctx.has("LignesFacture"):
            _service_dates(ctx)
            _deductions(ctx)
        if ctx.has("Clients"):
            _no_email(ctx)


def _seller(ctx: Ctx) -> None:
    for key in ("seller_name", "seller_address", "seller_postcode", "seller_city",
                "seller_siren", "seller_vat"):
        if not text(ctx.setting(key)):
            ctx.add_setting("MENTION-SELLER", ERROR, key, SELLER)
    form = text(ctx.setting("seller_legal_form"))
    if not form:
        ctx.add_setting("MENTION-SELLER", WARNING, "seller_legal_form", SELLER_FORM)
    elif form.upper().replace(".", "") in COMPANY_FORMS:
        for key in ("seller_capital", "seller_rcs"):
            if ctx.setting(key) in (None, ""):
                ctx.add_setting("MENTION-SELLER", ERROR, key, SELLER_COMPANY, form=form)
    if not text(ctx.setting("early_payment_discount")):
        ctx.add_setting("MENTION-DISCOUNT", WARNING, "early_payment_discount", DISCOUNT)
    indemnity = ctx.setting("recovery_indemnity")
    if indemnity is None:
        ctx.add_setting("MENTION-INDEMNITY", WARNING, "recovery_indemnity", INDEMNITY_EMPTY)
    elif isinstance(indemnity, Decimal) and indemnity < RECOVERY_INDEMNITY:
        ctx.add_setting("MENTION-INDEMNITY", ERROR, "recovery_indemnity", INDEMNITY,
                        amount=ctx.money(indemnity))


def _penalties(ctx: Ctx) -> None:
    """The contractual rate against 3 x the legal interest rate in force today; the rates
    table must cover today (reminders and the penalty mention read it)."""
    if not ctx.has("TauxPenalite"):
        return
    start = ctx.col("TauxPenalite", "start")
    end = ctx.col("TauxPenalite", "end")
    legal = ctx.col("TauxPenalite", "legal_rate")
    today = ctx.today
    covered = any(isinstance(s, date) and isinstance(e, date) and s <= today <= e
                  for s, e in zip(start, end))
    if not covered:
        last = len(start) - 1 if start else None
        ctx.add("MENTION-PENALTY", WARNING, "TauxPenalite", last, "start", "", PENALTY_TABLE,
                day=ctx.day(today))
    rate = ctx.setting("penalty_rate")
    if not isinstance(rate, Decimal):
        return
    known = [(s, r) for s, r in zip(start, legal)
             if isinstance(s, date) and s <= today and isinstance(r, Decimal)]
    if not known:
        return
    since, legal_rate = max(known, key=lambda p: p[0])
    minimum = 3 * legal_rate
    if rate < minimum:
        ctx.add_setting("MENTION-PENALTY", ERROR, "penalty_rate", PENALTY, rate=ctx.rate(rate),
                        minimum=ctx.rate(minimum), legal=ctx.rate(legal_rate),
                        day=ctx.day(since))


def _invoiced_clients(ctx: Ctx) -> set[str]:
    if not ctx.has("Factures"):
        return set()
    return {c for c, live in zip(ctx.keys("Factures", "client"), ctx.live) if live}


def _clients(ctx: Ctx) -> None:
    invoiced = _invoiced_clients(ctx)
    labels = ctx.tables["Clients"].labels
    names = {"name": ("la raison sociale", "company name"), "address": ("l'adresse", "address"),
             "postcode": ("le code postal", "postcode"), "city": ("la ville", "city"),
             "siren": ("le SIREN", "SIREN"), **DELIVERY}
    cols = {k: ctx.col("Clients", k) for k in ("id", "name", "address", "postcode", "city",
                                                "siren", "country", "private", *DELIVERY)}
    for i, cid in enumerate(cols["id"]):
        country = text(cols["country"][i]).upper()
        has_invoices = norm(cid) in invoiced
        # a private person (Clients › Particulier) has no SIREN to state
        french = ["postcode"] + ([] if is_private(cols["private"][i]) else ["siren"])
        needed = ["name", "address", "city"] + (french if country == "FR"
                                                  else []) + delivery_missing(
            {k: text(cols[k][i]) for k in DELIVERY})
        for key in needed:
            if text(cols[key][i]):
                continue
            severity = ERROR if has_invoices else WARNING
            when = ""
            if key == "siren":
                if ctx.today < SIREN_MANDATORY_FROM:
                    severity = WARNING
                when = (" Le SIREN du client est obligatoire sur les factures depuis le "
                        "1er septembre 2026 (grandes entreprises ; toutes au 1er septembre "
                        "2027). Un particulier n'en a pas : « Oui » dans la colonne "
                        "Particulier." if ctx.fr else " The client's SIREN is mandatory on "
                        "invoices from 1 September 2026 (large companies; all on 1 September "
                        "2027). A private person has none: 'Yes' in the Private person "
                        "column.")
            what = names[key][0] if ctx.fr else names[key][1]
            ctx.add("MENTION-CLIENT", severity, "Clients", i, key, text(cid), CLIENT,
                    client=text(cols["name"][i]) or text(cid), what=what, when=when,
                    column=labels.get(key, key))


def _invoices(ctx: Ctx) -> None:
    issue = ctx.col("Factures", "issue_date")
    due = ctx.col("Factures", "due_date")
    terms = ctx.col("Factures", "terms")
    po = ctx.col("Factures", "po")
    clients = ctx.col("Factures", "client")
    client_keys = ctx.keys("Factures", "client")
    po_required = {c for c, req in zip(ctx.keys("Clients", "id"),
                                       ctx.col("Clients", "po_required"))
                   if req == "yes"} if ctx.has("Clients") else set()
    sixty = timedelta(days=60)
    limit: dict[date, date] = {}  # latest_legal_due by issue date: invoices share days
    live, posted = ctx.live, ctx.posted
    convention = text(ctx.setting("eom_convention")) or "days_then_eom"
    agreed: dict[tuple[date, str], date | None] = {}  # (issue, terms) -> their due date
    for i, kind in enumerate(ctx.inv_type):
        if kind == "credit_note" or not live[i]:
            continue
        day, when = issue[i], due[i]
        if when.__class__ is date and day.__class__ is date and terms[i]:
            key = (day, terms[i])
            want = agreed[key] if key in agreed else agreed.setdefault(
                key, due_date(day, terms[i], convention))
            if want is not None and want != when:  # the invoice says two things
                ctx.add("TERMS-DUE", WARNING, "Factures", i, "due_date", ctx.inv_ref(i),
                        TERMS_DUE, due=ctx.day(when), want=ctx.day(want),
                        terms=choice_label("terms", terms[i], "fr" if ctx.fr else "en"))
        if when.__class__ is date and day.__class__ is date and day <= when <= day + sixty \
                and client_keys[i] not in po_required:
            continue  # the common case, decided without building anything
        ref = ctx.inv_ref(i)
        if client_keys[i] in po_required and not text(po[i]):
            ctx.add("MENTION-PO", ERROR, "Factures", i, "po", ref, PO,
                    client=text(clients[i]))
        if posted[i] and not isinstance(when, date):
            shown = text(terms[i])
            ctx.add("MENTION-DUE", ERROR, "Factures", i, "due_date", ref, DUE_MISSING,
                    terms=(f" ; conditions : {shown}" if ctx.fr else f"; terms: {shown}")
                    if shown else "",
                    from_terms=(" d'après les conditions de paiement" if ctx.fr else
                                " from the payment terms") if shown else "")
            continue
        if not isinstance(day, date) or not isinstance(when, date):
            continue
        if when < day:
            ctx.add("MENTION-DUE", ERROR, "Factures", i, "due_date", ref, DUE_BEFORE,
                    due=ctx.day(when), day=ctx.day(day))
        elif when > (limit.get(day) or limit.setdefault(day, latest_legal_due(day))):  # memo
            d45 = max(end_of_month(day) + timedelta(days=45),
                      end_of_month(day + timedelta(days=45)))
            ctx.add("TERMS-LIMIT", ERROR, "Factures", i, "due_date", ref, TERMS,
                    due=ctx.day(when), days=(when - day).days,
                    d60=ctx.day(day + timedelta(days=60)), d45=ctx.day(d45))


def _service_dates(ctx: Ctx) -> None:
    """Hand-typed drafts (few): their lines' service dates against what is known."""
    start_col = ctx.col("LignesFacture", "service_start")
    end_col = ctx.col("LignesFacture", "service_end")
    posted, numbers = ctx.posted, ctx.inv_number
    issue = ctx.col("Factures", "issue_date")
    quotes = ctx.keys("Factures", "quote")
    delivered = ctx.col("Devis", "delivered") if ctx.has("Devis") else []
    target = ctx.quote_target if ctx.has("Devis") else {}
    sources = ctx.col("LignesFacture", "source")
    labels = ctx.col("LignesFacture", "label")
    deposits = issued_deposits(ctx)
    for i, status in enumerate(ctx.inv_status):
        if posted[i] or text(numbers[i]) or status == "cancelled":
            continue
        day = issue[i] if isinstance(issue[i], date) else ctx.today
        lines = [k for k in ctx.lines(i) if deposit_deduction(
            text(sources[k]), text(labels[k]), True, deposits) is None]
        dated = {(start_col[k], end_col[k]) for k in lines
                 if isinstance(start_col[k], date) or isinstance(end_col[k], date)}
        t = target.get(quotes[i]) if quotes[i] else None
        done = delivered[t] if t is not None else None
        why = None
        if any(d != (day, day) and d != (day, None) for d in dated):
            why = ("une autre ligne est datée autrement", "another line is dated otherwise")
        elif isinstance(done, date) and done != day:
            why = (f"le devis a été livré le {ctx.day(done)}",
                   f"the quote was delivered on {ctx.day(done)}")
        ref = ctx.inv_ref(i)
        for k in lines:
            start, end = start_col[k], end_col[k]
            if isinstance(start, date) and isinstance(end, date) and end < start:
                ctx.add("MENTION-SERVICE", ERROR, "LignesFacture", k, "service_end", ref,
                        SERVICE_ORDER, start=ctx.day(start), end=ctx.day(end))
            elif why and not isinstance(start, date) and not isinstance(end, date):
                ctx.add("MENTION-SERVICE", WARNING, "LignesFacture", k, "service_start", ref,
                        SERVICE_BLANK, doc=ref, day=ctx.day(day), why=why[0], why_en=why[1])


def _deductions(ctx: Ctx) -> None:
    """Negative lines of invoices (not credit notes) that speak of a deposit or a
    deduction but name no issued document."""
    qty = ctx.col("LignesFacture", "quantity")
    price = ctx.col("LignesFacture", "unit_price")
    negative = [k for k, (q, p) in enumerate(zip(qty, price))
                if isinstance(q, Decimal) and isinstance(p, Decimal) and q * p < 0]
    if not negative:
        return
    labels = ctx.col("LignesFacture", "label")
    sources = ctx.col("LignesFacture", "source")
    owner = ctx.line_invoice
    deposits = issued_deposits(ctx)
    issued = {text(n).casefold() for n, p in zip(ctx.inv_number, ctx.posted) if p}
    for k in negative:
        i = owner[k]
        if i is None or i < 0 or ctx.inv_type[i] not in ("invoice", None, ""):
            continue
        label, source = text(labels[k]), text(sources[k])
        if not DEPOSIT_WORDS.search(f"{source} {label}"):
            continue  # a discount, not a deduction
        ref = deposit_deduction(source, label, True, deposits)
        if ref is None or ref.casefold() not in issued:
            ctx.add("MENTION-DEDUCTION", WARNING, "LignesFacture", k, "source",
                    ctx.inv_ref(i), DEDUCTION, label=label)


def _no_email(ctx: Ctx) -> None:
    """Clients owed money (issued invoices with a balance) without a billing email."""
    emails = ctx.col("Clients", "billing_email")
    names = ctx.col("Clients", "name")
    ids = ctx.col("Clients", "id")
    client_ids = ctx.keys("Clients", "id")
    # only clients without an email can be reported: the amounts owed are summed for
    # them alone (usually none, and then no pass over the invoices at all)
    without = {key for key, email in zip(client_ids, emails) if not text(email)}
    if not without:
        return
    balance = ctx.col("Factures", "balance")
    total = ctx.col("Factures", "total")
    owed: dict[str, Decimal] = {}
    posted, live = ctx.posted, ctx.live
    for i, key in enumerate(ctx.keys("Factures", "client")):
        if key not in without:
            continue
        amount = balance[i] if balance[i] is not None else total[i]
        if posted[i] and live[i] and amount is not None:
            owed[key] = owed.get(key, ZERO) + amount
    for i, key in enumerate(client_ids):
        amount = owed.get(key, ZERO)
        if amount > 0 and not text(emails[i]):
            cid = ids[i]
            ctx.add("REMIND-NO-EMAIL", WARNING, "Clients", i, "billing_email", text(cid),
                    NO_EMAIL, client=text(names[i]) or text(cid), open=ctx.money(amount))
