"""The VAT rows of a document by category, and what stops a document whose lines' VAT
categories cannot be told or cannot go together (EN 16931; the categories themselves are
stated in ``domain.vat.zero_rate_category``).

A mixed invoice to an EU business has its services reverse-charged (AE) and its goods
supplied exempt (K): two VAT rows at 0 %, each with its own legal reason (BR-AE-01,
BR-IC-01). Services out of scope (O) go with no other category (BR-O-11), so a client
outside the EU is billed its exported goods (G) and its services on separate invoices.
"""
from __future__ import annotations

from decimal import Decimal

from pyfuncs.domain.context import Ctx, message
from pyfuncs.domain.findings import ERROR
from pyfuncs.domain.money import ZERO, vat_by_rate

M_LINE = message("Pièce {doc} non éditée : {what}.", "{fix_fr}",
                 "Document {doc} not printed: {what_en}.", "{fix_en}")


def rows_by_category(lines: list[tuple[Decimal, Decimal, str]]
                     ) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    """(category, rate, base, VAT) of each VAT row of (net, rate, category) lines: VAT per
    rate on each rate's total (BR-CO-17), highest rate first; the 0 % lines split by
    category, in the order they first appear."""
    rows: list[tuple[str, Decimal, Decimal, Decimal]] = []
    for rate, (base, vat) in sorted(vat_by_rate([(n, r) for n, r, _ in lines]).items(),
                                    reverse=True):
        categories = list(dict.fromkeys(c for _, r, c in lines if r == rate))
        if rate or len(categories) == 1:
            rows.append((categories[0], rate, base, vat))
            continue
        rows += [(cat, rate, sum((n for n, r, c in lines if r == rate and c == cat), ZERO),
                  ZERO) for cat in categories]
    return rows


def line_nature_missing(ctx: Ctx, k: int, ref: str) -> None:
    """A 0 % line of a "goods and services" client outside France without its own Nature:
    goods are exempt, services reverse-charged or out of scope; the product does not
    guess which."""
    label = ctx.tables["LignesFacture"].labels.get("nature", "Nature")
    ctx.add("PDF-VAT", ERROR, "LignesFacture", k, "nature", ref, M_LINE, doc=ref,
            what="client « Biens et services » hors de France : cette ligne à 0 % ne dit "
                 "pas si elle est un bien (livraison exonérée) ou un service (autoliquidé "
                 "ou hors champ)",
            what_en="a \"goods and services\" client outside France: this 0 % line does "
                    "not say whether it is goods (an exempt supply) or a service "
                    "(reverse-charged or out of scope)",
            fix_fr=f"Choisir Bien ou Service dans la colonne « {label} » de la ligne, puis "
                   "relancer.",
            fix_en=f"Choose Goods or Service in the line's \"{label}\" column, then run "
                   "again.")


def no_vat_number(ctx: Ctx, k: int, ref: str) -> None:
    """Goods at 0 % to an EU client whose VAT number is missing or invalid: an
    intra-Community supply is exempt only to a VAT-registered business."""
    ctx.add("PDF-VAT", ERROR, "LignesFacture", k, "vat_rate", ref, M_LINE, doc=ref,
            what="livraison de biens à 0 % vers un client de l'UE sans numéro de TVA "
                 "valide : elle n'est exonérée (art. 262 ter I du CGI) que vers un assujetti "
                 "identifié",
            what_en="goods at 0 % to an EU client without a valid VAT number: the supply is "
                    "exempt (CGI art. 262 ter I) only to a VAT-registered business",
            fix_fr="Saisir le n° de TVA du client dans Clients, ou émettre un avoir et une "
                   "facture avec TVA française.",
            fix_en="Enter the client's VAT number in Clients, or issue a credit note and an "
                   "invoice with French VAT.")


def out_of_scope_mixed(ctx: Ctx, i: int, ref: str, categories: list[str]) -> bool:
    """True, and a finding on the document, when services out of scope (O) share it with
    another VAT category (BR-O-11)."""
    if "O" not in categories or len(categories) == 1:
        return False
    ctx.add("PDF-DOCUMENT", ERROR, "Factures", i, "id", ref, M_LINE, doc=ref,
            what="des prestations hors champ (art. 259-1 du CGI) ne peuvent pas figurer sur "
                 "une même facture que des biens exportés ou une autre catégorie de TVA "
                 "(EN 16931, BR-O-11)",
            what_en="services outside the scope of VAT (CGI art. 259-1) cannot share one "
                    "invoice with exported goods or another VAT category (EN 16931, BR-O-11)",
            fix_fr="Facturer les biens et les services sur deux factures : émettre un avoir "
                   "et deux factures.",
            fix_en="Bill the goods and the services on two invoices: issue a credit note "
                   "and two invoices.")
    return True
