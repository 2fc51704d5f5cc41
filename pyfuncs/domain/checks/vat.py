"""VAT (DOMAIN.md §4): rates in force, zero rate and reverse charge, arithmetic.

- A rate must be one in force on the invoice's date: 20, 10, 5.5, 2.1 % and 0 since
  1 January 2014; 19.6 and 7 % before (a credit note takes the date of the invoice it
  credits, since it reverses that invoice's VAT).
- 0 % needs a legal reason. The workbook has no column for an exemption reason, so the two
  reasons it can see are accepted: a client outside the EU (services out of the scope of
  French VAT), and an EU business client under reverse charge, which needs the client's
  and the seller's VAT numbers. An EU client with a VAT number is a business: billing it
  French VAT is an error (services: reverse charge, CGI art. 283-2). Monaco is inside the
  French VAT territory; the French overseas departments are not.
- VAT per rate is round(base x rate, 2) on the base of all lines at that rate (BR-CO-17),
  and net + VAT = total. The formula columns (computed.compute_all, the mirror of the
  workbook's formulas, whose cached values the job compares apart) already compute VAT
  that way for the rates in force; what they cannot do is count any other rate: the VAT
  formula sums 20, 10, 5.5 and 2.1 % only, so a line at 19.6 % gets no VAT at all. So the
  per-rate VAT is recomputed from the lines (as money.vat_by_rate does) for the invoices
  that have a line at another rate, at 0 %, dated before 2014 or for a client outside
  France: on a 100k-invoice workbook that is a few hundred instead of every one, and a
  property test shows the others cannot differ. Net + VAT = total is checked everywhere.
Credit notes reverse an invoice as it was: their zero-rate and reverse-charge choices
follow the invoice, so only the rate's date and the arithmetic are checked on them.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from itertools import compress, count, repeat
from operator import add, lt, ne
from typing import Any

from pyfuncs.domain.context import Ctx, message, text
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.money import ZERO, to_cents
from pyfuncs.domain.vat import (
    DOMESTIC,
    EU,
    FORMULA_RATES,
    RATES_2014,
    SINCE_2014,
    R,
    allowed_rates,
    reverse_charged,
)

RATE = message("Taux de TVA {rate} non applicable au {day} (taux en vigueur : {allowed}).{hint}",
               "Choisir un taux en vigueur à la date de la facture.",
               "VAT rate {rate} does not apply on {day} (rates in force: {allowed}).{hint}",
               "Choose a rate in force on the invoice's date.")
ZERO_RATE = message("Ligne « {label} » à 0 % pour le client français {client}, sans motif "
                    "d'exonération.",
                    "Appliquer le taux normal (20 %) ou le taux réduit qui convient ; une "
                    "exonération doit citer son article de loi.",
                    "Line \"{label}\" at 0 % for French client {client}, with no legal reason.",
                    "Apply the standard rate (20 %) or the right reduced rate; an exemption must "
                    "cite its legal article.")
EU_TAXED = message("Client {client} ({country}, N° TVA {vat}) : entreprise de l'UE facturée avec "
                   "{vat_amount} de TVA française au lieu de l'autoliquidation.",
                   "Passer les lignes à 0 % avec la mention « Autoliquidation » (art. 283-2 du "
                   "CGI) et les deux N° de TVA ; par un avoir si la facture est émise.",
                   "Client {client} ({country}, VAT {vat}): an EU business billed {vat_amount} of "
                   "French VAT instead of reverse charge.",
                   "Set the lines to 0 % with the mention \"Autoliquidation\" (reverse charge) "
                   "and both VAT numbers; with a credit note if the invoice is issued.")
EU_NO_VAT = message("Autoliquidation (0 %) pour le client {client} ({country}) qui n'a pas de N° "
                    "de TVA intracommunautaire.",
                    "Saisir le N° de TVA du client (feuille Clients) ; sans lui, facturer la TVA "
                    "française.",
                    "Reverse charge (0 %) for client {client} ({country}), who has no VAT number.",
                    "Enter the client's VAT number (Clients sheet); without it, charge French VAT.")
EU_BAD_VAT = message("Autoliquidation (0 %) pour le client {client} ({country}) dont le N° de "
                     "TVA {vat} n'est pas valable (format ou clé de contrôle) : sans N° valable, "
                     "pas d'autoliquidation.",
                     "Corriger le N° de TVA du client (feuille Clients) ; sans lui, facturer la "
                     "TVA française.",
                     "Reverse charge (0 %) for client {client} ({country}), whose VAT number "
                     "{vat} is not valid (format or check digits): no valid number, no reverse "
                     "charge.",
                     "Correct the client's VAT number (Clients sheet); without it, charge "
                     "French VAT.")
SELLER_NO_VAT = message("{count} facture(s) en autoliquidation alors que le N° de TVA du vendeur "
                        "manque.",
                        "Saisir le N° de TVA intracommunautaire du vendeur dans Paramètres.",
                        "{count} reverse-charge invoice(s) while the seller's VAT number is "
                        "missing.",
                        "Enter the seller's VAT number in Settings.")
NON_EU_TAXED = message("Client {client} hors UE ({country}) facturé avec {vat_amount} de TVA "
                       "française : une prestation de services à une entreprise hors UE est hors "
                       "du champ de la TVA française (art. 259-1° du CGI).",
                       "Vérifier : sauf exception (immeuble, événement en France…), facturer à 0 "
                       "% avec la mention « TVA non applicable, art. 259-1° du CGI ».",
                       "Client {client} outside the EU ({country}) billed {vat_amount} of French "
                       "VAT: services to a business outside the EU are out of the scope of French "
                       "VAT.",
                       "Check: except special cases (real estate, events in France), bill at 0 % "
                       "with the mention \"VAT not applicable, art. 259-1 CGI\".")
ARITH = message("TVA par taux : {detail}, soit {want} ; la pièce calcule {got}.{hint}",
                "Utiliser un taux en vigueur (la formule de TVA ne somme que 20, 10, 5,5 et 2,1 "
                "%), et garder la formule de la colonne.",
                "VAT per rate: {detail}, that is {want}; the document computes {got}.{hint}",
                "Use a rate in force (the VAT formula only sums 20, 10, 5.5 and 2.1 %), and keep "
                "the column's formula.")
TOTAL = message("Total HT {net} + TVA {vat} = {want}, mais le total TTC vaut {got}.",
                "Rétablir la formule du total TTC (HT + TVA).",
                "Net {net} + VAT {vat} = {want}, but the total incl. VAT is {got}.",
                "Restore the total's formula (net + VAT).")


def check_vat(ctx: Ctx) -> None:
    if ctx.has("Factures", "LignesFacture"):
        _invoices(ctx)
    if ctx.has("Devis", "LignesDevis"):
        _quotes(ctx)


def _rate_hint(ctx: Ctx, rate: Decimal, day: date) -> str:
    if rate in (R("0.196"), R("0.07")) and day >= date(2014, 1, 1):
        return (" Ce taux a été remplacé le 1er janvier 2014 (19,6 % → 20 %, 7 % → 10 %)."
                if ctx.fr else " This rate was replaced on 1 January 2014 (19.6 % → 20 %, "
                "7 % → 10 %).")
    if rate > 1:
        return (" Un taux s'écrit en pourcentage : 20 % (0,2), pas 20."
                if ctx.fr else " A rate is a percentage: 20 % (0.2), not 20.")
    return ""


def _rate_finding(ctx: Ctx, table: str, k: int, ref: str, rate: Decimal, day: date,
                  allowed: frozenset[Decimal]) -> None:
    shown = ", ".join(ctx.rate(r) for r in sorted(allowed, reverse=True))
    ctx.add("VAT-RATE", ERROR, table, k, "vat_rate", ref, RATE, rate=ctx.rate(rate),
            day=ctx.day(day), allowed=shown, hint=_rate_hint(ctx, rate, day))


def _client_kinds(ctx: Ctx) -> tuple[list[str], list[str], list[str]]:
    """Per client row: 'fr' (French VAT territory), 'eu', 'other' or '' (no country),
    and its country and VAT number as text."""
    if not ctx.has("Clients"):
        return [], [], []
    countries = [text(c).upper() for c in ctx.col("Clients", "country")]
    kinds = ["fr" if c in DOMESTIC else "eu" if c in EU else "other" if c else ""
             for c in countries]
    return kinds, countries, [text(v) for v in ctx.col("Clients", "vat_number")]


def _suspects(rates: list[Any], owner: list[Any], dates: list[Any]) -> set[int]:
    """Documents that need the per-document pass: a line at a rate not in force since
    2014 (or 0 %), or a date before 2014. The others are at the rates the VAT formula
    sums, where the formula columns already hold round(base x rate, 2) per rate
    (compute_all mirrors them): checking them again would find nothing."""
    out = {owner[k] for k, r in enumerate(rates) if r is not None and (not r or r not in
                                                                       RATES_2014)}
    out.update(compress(count(), map(lt, dates, repeat(SINCE_2014))))
    out.discard(-1)
    return out


def _invoices(ctx: Ctx) -> None:
    l_net = ctx.col("LignesFacture", "net")
    l_rate = ctx.col("LignesFacture", "vat_rate")
    l_label = ctx.col("LignesFacture", "label")
    clients = ctx.col("Factures", "client")
    credited = ctx.col("Factures", "credited")
    columns = [ctx.col("Factures", key) for key in ("net", "vat", "total")]
    kinds, countries, vats = _client_kinds(ctx)
    inv_client, live, types, dates = ctx.inv_client, ctx.live, ctx.inv_type, ctx.inv_dates
    suspects = _suspects(l_rate, ctx.line_invoice, dates)
    suspects.update(i for i, c in enumerate(inv_client) if c >= 0 and
                    kinds[c] in ("eu", "other"))
    seller_vat = ctx.setting("seller_vat")
    reverse_without_seller = 0
    for i in sorted(suspects):
        lines = ctx.lines(i)
        if not live[i] or not lines:
            continue
        credit_note = types[i] == "credit_note"
        day = dates[i]
        if credit_note:
            j = ctx.posted_by_number(credited[i])
            if j is not None:
                day = dates[j]
        allowed = allowed_rates(day)
        bases: dict[Decimal, Decimal] = {}
        zero_lines: list[int] = []
        for k in lines:
            rate = l_rate[k]
            if rate is None:
                continue
            if rate not in allowed:
                _rate_finding(ctx, "LignesFacture", k, ctx.inv_ref(i), rate, day, allowed)
            net = l_net[k]
            if net is None:
                continue
            bases[rate] = bases.get(rate, ZERO) + net
            if not rate and net:
                zero_lines.append(k)
        _arith(ctx, "Factures", i, bases, columns)
        c = inv_client[i]
        if credit_note or c < 0 or kinds[c] == "":
            continue
        kind, vat = kinds[c], vats[c]
        if kind == "fr":
            for k in zero_lines:
                ctx.add("VAT-ZERO", ERROR, "LignesFacture", k, "vat_rate", ctx.inv_ref(i),
                        ZERO_RATE, label=text(l_label[k]), client=text(clients[i]))
            continue
        taxed = sum((to_cents(b * r) for r, b in bases.items() if r > 0), ZERO)
        who = {"client": text(clients[i]), "country": countries[c], "vat": vat}
        if kind == "eu":
            if vat and taxed:
                ctx.add("VAT-REVERSE", ERROR, "Factures", i, "vat", ctx.inv_ref(i), EU_TAXED,
                        vat_amount=ctx.money(taxed), **who)
            elif zero_lines and not vat:
                ctx.add("VAT-REVERSE", ERROR, "Factures", i, "client", ctx.inv_ref(i),
                        EU_NO_VAT, **who)
            elif zero_lines and not reverse_charged(countries[c], vat):
                ctx.add("VAT-REVERSE", ERROR, "Factures", i, "client", ctx.inv_ref(i),
                        EU_BAD_VAT, **who)
            elif zero_lines and not seller_vat:
                reverse_without_seller += 1
        elif taxed:
            ctx.add("VAT-NON-EU", WARNING, "Factures", i, "vat", ctx.inv_ref(i), NON_EU_TAXED,
                    vat_amount=ctx.money(taxed), **who)
    if reverse_without_seller:
        ctx.add_setting("VAT-REVERSE", ERROR, "seller_vat", SELLER_NO_VAT,
                        count=reverse_without_seller)
    _totals(ctx, "Factures", columns)


def _arith(ctx: Ctx, table: str, i: int, bases: dict[Decimal, Decimal],
           columns: list[list[Any]]) -> None:
    """VAT per rate on the base of the rate (BR-CO-17) against the VAT column."""
    got_vat = columns[1][i]
    want = ZERO
    for rate, base in bases.items():
        if rate:
            want += to_cents(base * rate)
    if got_vat is not None and got_vat != want:
        parts = [f"{ctx.money(b)} × {ctx.rate(r)} = {ctx.money(to_cents(b * r))}"
                 for r, b in sorted(bases.items(), reverse=True) if r and b]
        odd = [r for r, b in bases.items() if r and b and r not in FORMULA_RATES]
        hint = ""
        if odd:
            shown = ", ".join(ctx.rate(r) for r in odd)
            hint = (f" La formule de TVA ne compte pas le taux {shown}." if ctx.fr else
                    f" The VAT formula does not count rate {shown}.")
        ctx.add("VAT-ARITH", ERROR, table, i, "vat", _ref(ctx, table, i), ARITH,
                detail="; ".join(parts) or "0", want=ctx.money(want), got=ctx.money(got_vat),
                hint=hint)


def _totals(ctx: Ctx, table: str, columns: list[list[Any]]) -> None:
    """Net + VAT = total, column-wise."""
    for i in [i for i in _maybe_unbalanced(*columns)
              if (n := columns[0][i]) is not None and (v := columns[1][i]) is not None
              and (t := columns[2][i]) is not None and n + v != t]:
        net, vat, total = (c[i] for c in columns)
        ctx.add("VAT-ARITH", ERROR, table, i, "total", _ref(ctx, table, i), TOTAL,
                net=ctx.money(net), vat=ctx.money(vat), want=ctx.money(net + vat),
                got=ctx.money(total))


def _maybe_unbalanced(nets: list[Any], vats: list[Any], totals: list[Any]) -> Iterable[int]:
    """Rows where net + VAT may differ from the total: by C loops when no cell is empty,
    else every row."""
    try:
        return list(compress(count(), map(ne, map(add, nets, vats), totals)))
    except TypeError:  # an empty cell (None)
        return range(min(len(nets), len(vats), len(totals)))


def _ref(ctx: Ctx, table: str, i: int) -> str:
    return ctx.inv_ref(i) if table == "Factures" else text(ctx.col(table, "number")[i])


def _quotes(ctx: Ctx) -> None:
    """The same rate and arithmetic rules on the quotes still in play."""
    status = ctx.col("Devis", "status")
    q_date = ctx.col("Devis", "date")
    q_number = ctx.col("Devis", "number")
    l_net = ctx.col("LignesDevis", "net")
    l_rate = ctx.col("LignesDevis", "vat_rate")
    columns = [ctx.col("Devis", key) for key in ("net", "vat", "total")]
    today = ctx.today
    dates = [d if isinstance(d, date) else today for d in q_date]
    for i in sorted(_suspects(l_rate, ctx.quote_line_owner, dates)):
        if status[i] not in ("draft", "sent", "accepted"):
            continue  # refused or superseded: nobody will be billed from it
        day = dates[i]
        allowed = allowed_rates(day)
        bases: dict[Decimal, Decimal] = {}
        for k in ctx.quote_lines(i):
            rate, net = l_rate[k], l_net[k]
            if rate is None:
                continue
            if rate not in allowed:
                _rate_finding(ctx, "LignesDevis", k, text(q_number[i]), rate, day, allowed)
            if net is not None:
                bases[rate] = bases.get(rate, ZERO) + net
        _arith(ctx, "Devis", i, bases, columns)
    _totals(ctx, "Devis", columns)
