"""Invoices against their quotes.

An invoice that names a quote must bill the quote's client, from the version that was
accepted (the latest accepted one; an older version superseded only after the invoice was
issued was the accepted one at the time), with the quote's lines as they were agreed,
and all invoices of a quote together must not bill more than it. Amounts are compared
excluding VAT: a quote is agreed excluding VAT, and VAT rounded per invoice could make
partial invoices differ from the quote's VAT by a cent.

Lines are matched by label, ignoring case and spacing. Lines that are not copies of a
quote line are expected and skipped: deposits and their deduction ("Acompte ... déduit"),
and milestone lines, whose label starts with the milestone's label ("Lancement du projet
– 30 % du devis D2026-0012").
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from itertools import compress, repeat
from operator import eq
from typing import Any

from pyfuncs.domain.context import Ctx, Message, fold_label, message, norm, text
from pyfuncs.domain.findings import ERROR, WARNING
from pyfuncs.domain.money import CENT, ZERO

UNKNOWN = message("La facture cite le devis {quote}, qui n'existe pas dans la feuille {sheet}.",
                  "Corriger le N° de devis de la facture, ou le vider si elle ne vient pas d'un "
                  "devis.",
                  "The invoice names quote {quote}, which is not in the {sheet} sheet.",
                  "Correct the invoice's quote number, or clear it if it is not from a quote.")
CLIENT = message("Facture au client {client} alors que le devis {quote} est au client {qclient} : "
                 "mauvaise entité facturée.",
                 "Facturer le client du devis ({qclient}) : annuler par un avoir et réémettre si "
                 "la facture est émise.",
                 "Invoice billed to client {client} while quote {quote} is for client {qclient}: "
                 "the wrong billing entity.",
                 "Bill the quote's client ({qclient}): cancel with a credit note and reissue if "
                 "the invoice is issued.")
NOT_ACCEPTED = message("Le devis {quote} n'a aucune version acceptée (statut : {status}) ; il ne "
                       "peut pas être facturé.",
                       "Faire accepter le devis (statut « Accepté ») avant de le facturer.",
                       "Quote {quote} has no accepted version (status: {status}); it cannot be "
                       "invoiced.",
                       "Have the quote accepted (status \"Accepted\") before invoicing it.")
NO_VERSION = message("La facture cite la version {version} du devis {quote}, qui n'existe pas ; "
                     "la version acceptée est la {target}.",
                     "Indiquer la version {target}.",
                     "The invoice names version {version} of quote {quote}, which does not exist; "
                     "the accepted version is {target}.",
                     "Enter version {target}.")
OLD_VERSION = message("Facture établie sur la version {version} du devis {quote} (statut : "
                      "{status}) alors que la version acceptée est la {target}.",
                      "Facturer la version {target} : corriger les lignes et la version (par un "
                      "avoir si la facture est émise).",
                      "Invoice made from version {version} of quote {quote} (status: {status}) "
                      "while the accepted version is {target}.",
                      "Invoice version {target}: correct the lines and the version (with a credit "
                      "note if the invoice is issued).")
TWO_ACCEPTED = message("Le devis {quote} a plusieurs versions acceptées ({versions}) : seule la "
                       "dernière ({target}) sera facturée.",
                       "Passer les versions antérieures au statut « Remplacé ».",
                       "Quote {quote} has several accepted versions ({versions}): only the latest "
                       "({target}) is invoiced.",
                       "Set the earlier versions to \"Superseded\".")
LABEL = message("La ligne « {label} » ne figure pas dans le devis {quote} (version {version}).",
                "Reprendre la désignation exacte de la ligne du devis, ou faire un avenant au "
                "devis pour ce travail supplémentaire.",
                "Line \"{label}\" is not on quote {quote} (version {version}).",
                "Use the quote line's exact description, or amend the quote for this extra work.")
FIELD = message("Ligne « {label} » : {what} {got} alors que le devis {quote} indique {want}.",
                "Reprendre la valeur du devis ({want}), ou faire accepter une nouvelle version du "
                "devis.",
                "Line \"{label}\": {what} {got} while quote {quote} says {want}.",
                "Use the quote's value ({want}), or have a new version of the quote accepted.")
LESS = message("Ligne « {label} » : quantité {got} alors que le devis {quote} indique {want} "
               "(facturation partielle ?).",
               "Vérifier qu'il s'agit bien d'une facturation partielle ; le reste à facturer "
               "apparaît en info sur le devis.",
               "Line \"{label}\": quantity {got} while quote {quote} says {want} (partial "
               "invoicing?).",
               "Check that this is meant as partial invoicing; what remains is shown on the quote.")
CUMUL = message("Ligne « {label} » : {got} facturés au total sur le devis {quote}, qui en prévoit "
                "{want} : la ligne est facturée plusieurs fois.",
                "Faire un avoir pour la quantité facturée en trop.",
                "Line \"{label}\": {got} invoiced in all on quote {quote}, which provides for "
                "{want}: the line is billed more than once.",
                "Issue a credit note for the quantity billed in excess.")
OVER = message("Le devis {quote} est facturé {billed} HT (avoirs déduits) pour un total de "
               "{limit} HT : {excess} facturés en trop, à partir de cette facture.",
               "Faire un avoir de {excess} HT, ou faire accepter un avenant au devis.",
               "Quote {quote} is invoiced {billed} excl. VAT (net of credit notes) for a total of "
               "{limit} excl. VAT: {excess} over-billed, from this invoice on.",
               "Issue a credit note for {excess} excl. VAT, or have an amendment accepted.")
OVER_DRAFT = message("Ce brouillon porterait la facturation du devis {quote} à {billed} HT pour "
                     "un total de {limit} HT ({excess} en trop).",
                     "Réduire le brouillon à {room} HT au plus, ou faire accepter un avenant.",
                     "This draft would bring quote {quote} to {billed} excl. VAT invoiced for a "
                     "total of {limit} excl. VAT ({excess} over).",
                     "Reduce the draft to {room} excl. VAT at most, or have an amendment accepted.")


def tolerance(count: int) -> Decimal:
    """A cent per invoice: partial invoices round each line to the cent."""
    return CENT * max(1, count)


def check_quotes(ctx: Ctx) -> None:
    if not ctx.has("Factures"):
        return
    if ctx.has("Devis"):
        _accepted_twice(ctx)
    _invoice_headers(ctx)
    if ctx.has("Devis", "LignesDevis", "LignesFacture"):
        _lines(ctx)
    if ctx.has("Devis"):
        _over_billing(ctx)


def _quote_sheet(ctx: Ctx) -> str:
    return ctx.tables["Devis"].sheet if ctx.has("Devis") else "Devis"


def _accepted_twice(ctx: Ctx) -> None:
    status = ctx.col("Devis", "status")
    for versions in ctx.quote_versions.values():
        if len(versions) < 2:  # most quotes: nothing to sort
            continue
        accepted = sorted(v for v, i in versions.items() if status[i] == "accepted")
        if len(accepted) < 2:
            continue
        i = versions[accepted[0]]
        ref = text(ctx.col("Devis", "number")[i])
        ctx.add("QUOTE-VERSION", WARNING, "Devis", i, "status", ref, TWO_ACCEPTED,
                quote=ref, versions=", ".join(map(str, accepted)), target=accepted[-1])


def _invoice_headers(ctx: Ctx) -> None:
    """Unknown quote, wrong client, not the accepted version."""
    quotes = ctx.col("Factures", "quote")
    clients = ctx.col("Factures", "client")
    versions_col = ctx.col("Factures", "quote_version")
    q_client = ctx.col("Devis", "client") if ctx.has("Devis") else []
    q_status = ctx.col("Devis", "status") if ctx.has("Devis") else []
    q_version = ctx.col("Devis", "version") if ctx.has("Devis") else []
    q_date = ctx.col("Devis", "date") if ctx.has("Devis") else []
    quote_keys, live, types = ctx.keys("Factures", "quote"), ctx.live, ctx.inv_type
    quote_versions, quote_target = ctx.quote_versions, ctx.quote_target
    for i in range(len(quote_keys)):
        if not quote_keys[i] or not live[i]:  # names no quote, or cancelled
            continue
        quote = quote_keys[i]
        quote_value = quotes[i]
        versions = quote_versions.get(quote)
        if not versions:
            ctx.add("QUOTE-UNKNOWN", WARNING, "Factures", i, "quote", ctx.inv_ref(i), UNKNOWN,
                    quote=text(quote_value), sheet=_quote_sheet(ctx))
            continue
        target = quote_target.get(quote)
        v = versions_col[i]
        # the Devis row of the version it bills: its own, else the accepted one
        j = versions.get(v) if type(v) is int else None  # a yes/no is no version
        if j is None:
            j = target if target is not None else versions[max(versions)]
        if q_client[j] != clients[i] and norm(q_client[j]) != norm(clients[i]):
            ctx.add("QUOTE-CLIENT", ERROR, "Factures", i, "client", ctx.inv_ref(i), CLIENT,
                    client=text(clients[i]), quote=text(quote_value), qclient=text(q_client[j]))
        if types[i] == "credit_note":
            continue  # a credit note follows the invoice it cancels
        if target is None:
            ctx.add("QUOTE-VERSION", ERROR, "Factures", i, "quote", ctx.inv_ref(i),
                    NOT_ACCEPTED, quote=text(quote_value),
                    status=_status_text(ctx, q_status[j]))
            continue
        if not isinstance(v, int) or v == q_version[target]:
            continue
        ref = ctx.inv_ref(i)
        if v not in versions:
            ctx.add("QUOTE-VERSION", ERROR, "Factures", i, "quote_version", ref, NO_VERSION,
                    quote=text(quote_value), version=v, target=q_version[target])
            continue
        older = versions[v]
        day = q_date[target]
        if q_status[older] == "superseded" and v < q_version[target] and \
                isinstance(day, date) and ctx.inv_date(i) < day:
            continue  # issued while that version was the accepted one
        ctx.add("QUOTE-VERSION", ERROR, "Factures", i, "quote_version", ref, OLD_VERSION,
                quote=text(quote_value), version=v, status=_status_text(ctx, q_status[older]),
                target=q_version[target])


STATUS = {"draft": ("brouillon", "draft"), "sent": ("envoyé", "sent"),
          "accepted": ("accepté", "accepted"), "refused": ("refusé", "refused"),
          "superseded": ("remplacé", "superseded")}


def _status_text(ctx: Ctx, status: object) -> str:
    fr, en = STATUS.get(str(status), (str(status), str(status)))
    return fr if ctx.fr else en


def _lines(ctx: Ctx) -> None:
    """Each invoice line against the quote line of the same label."""
    l_label = ctx.col("LignesFacture", "label")
    l_qty = ctx.col("LignesFacture", "quantity")
    l_price = ctx.col("LignesFacture", "unit_price")
    l_rate = ctx.col("LignesFacture", "vat_rate")
    q_version = ctx.col("Devis", "version")
    ql_label = ctx.col("LignesDevis", "label")
    ql_qty = ctx.col("LignesDevis", "quantity")
    ql_price = ctx.col("LignesDevis", "unit_price")
    ql_rate = ctx.col("LignesDevis", "vat_rate")
    milestones: dict[str, list[str]] = defaultdict(list)
    if ctx.has("Echeances"):
        for quote, label in zip(ctx.col("Echeances", "quote"), ctx.col("Echeances", "label")):
            folded = fold_label(label)
            if folded:
                milestones[norm(quote)].append(folded)
    catalogue: dict[int, _Lines] = {}

    def lines_of(j: int) -> _Lines:
        """The lines of the quote version at Devis row ``j``, by label."""
        if j not in catalogue:
            catalogue[j] = _Lines(ql_label, ctx.quote_lines(j))
        return catalogue[j]

    quotes, quote_keys = ctx.col("Factures", "quote"), ctx.keys("Factures", "quote")
    flagged: set[int] = set()
    live, types = ctx.live, ctx.inv_type
    billing = [i for i, quote in enumerate(quote_keys)
               if quote and live[i] and types[i] == "invoice"]
    # a quote billed by one invoice only: a lower quantity there is worth a look
    invoices_per_quote = Counter(quote_keys[i] for i in billing)
    versions_col = ctx.col("Factures", "quote_version")
    quote_versions, quote_target = ctx.quote_versions, ctx.quote_target
    for i in billing:
        quote = quote_keys[i]
        v = versions_col[i]  # the version it bills: its own, else the accepted one
        j = quote_versions.get(quote, {}).get(v) if type(v) is int else None
        if j is None:
            j = quote_target.get(quote)
            if j is None:
                continue
        where = (i, quotes[i], q_version[j])
        for k in ctx.lines(i):
            label = l_label[k]
            matches = lines_of(j).exact.get(label)
            if not matches:  # a deposit or its deduction copies no quote line
                folded = fold_label(label)
                if is_deposit(folded):
                    continue
                matches = lines_of(j).folded.get(folded)
            if not matches:
                if not folded.startswith(tuple(milestones.get(quote, ()))):
                    _line(ctx, k, "label", WARNING, LABEL, where, label)
                    flagged.add(k)
                continue
            m = matches[0]
            if len(matches) > 1:
                for other in matches:
                    if ql_price[other] == l_price[k] and ql_rate[other] == l_rate[k]:
                        m = other
                        break
            if l_price[k] != ql_price[m] and l_price[k] is not None and \
                    ql_price[m] is not None:
                _line(ctx, k, "unit_price", ERROR, FIELD, where, l_label[k],
                      ctx.money(l_price[k]), ctx.money(ql_price[m]),
                      "prix unitaire" if ctx.fr else "unit price")
                flagged.add(k)
            if l_rate[k] != ql_rate[m] and l_rate[k] is not None and ql_rate[m] is not None:
                _line(ctx, k, "vat_rate", ERROR, FIELD, where, l_label[k],
                      ctx.rate(l_rate[k]), ctx.rate(ql_rate[m]),
                      "taux de TVA" if ctx.fr else "VAT rate")
                flagged.add(k)
            got, want = l_qty[k], ql_qty[m]
            if got is None or want is None or got == want or want <= 0:
                continue
            if got > want:
                _line(ctx, k, "quantity", ERROR, FIELD, where, l_label[k], ctx.num(got),
                      ctx.num(want), "quantité" if ctx.fr else "quantity")
                flagged.add(k)
            elif got > 0 and not milestones.get(quote) and invoices_per_quote[quote] == 1:
                _line(ctx, k, "quantity", WARNING, LESS, where, l_label[k], ctx.num(got),
                      ctx.num(want))

    _cumulated_quantities(ctx, lambda j, label: lines_of(j).find(label), flagged)


def _line(ctx: Ctx, k: int, key: str, severity: str, msg: Message, where: tuple[Any, ...],
          label: object,
          got: str = "", want: str = "", what: str = "") -> None:
    i, quote, version = where  # the invoice's index, its quote number and version
    ctx.add("QUOTE-LINE", severity, "LignesFacture", k, key, ctx.inv_ref(i), msg,
            label=text(label), quote=text(quote), version=version, got=got, want=want,
            what=what)


def _cumulated_quantities(ctx: Ctx, find: Callable[[int, object], list[int] | None],
                          flagged: set[int]) -> None:
    """A quote line billed again by a second invoice: quantities summed over the quote's
    issued invoices and credit notes exceed the accepted version's."""
    l_label = ctx.col("LignesFacture", "label")
    l_qty = ctx.col("LignesFacture", "quantity")
    ql_qty = ctx.col("LignesDevis", "quantity")
    quote_target, types = ctx.quote_target, ctx.inv_type
    for quote, billed in ctx.billed_on_quote.items():
        if len(billed) < 2:  # most quotes: decided before any lookup
            continue
        target = quote_target.get(quote)
        if target is None or sum(1 for i in billed if types[i] != "deposit") < 2:
            continue
        done: dict[int, Decimal] = defaultdict(Decimal)
        reported: set[int] = set()
        for i in billed:
            if ctx.inv_type[i] == "deposit":
                continue
            for k in ctx.lines(i):
                matches = find(target, l_label[k])
                if not matches or l_qty[k] is None or matches[0] in reported:
                    continue
                line = matches[0]  # the quote line stands for its label
                want = sum((ql_qty[m] or ZERO for m in matches), ZERO)
                done[line] += l_qty[k]
                if want > 0 and done[line] > want and k not in flagged:
                    reported.add(line)
                    ctx.add("QUOTE-LINE", ERROR, "LignesFacture", k, "quantity",
                            ctx.inv_ref(i), CUMUL, label=text(l_label[k]),
                            quote=text(ctx.col("Devis", "number")[target]),
                            got=ctx.num(done[line]), want=ctx.num(want))


class _Lines:
    """A quote version's lines by label: the label as typed first (a line copied as it
    is), else the label with case and spacing folded."""

    def __init__(self, labels: list[Any], lines: list[int]) -> None:
        self.exact: dict[object, list[int]] = defaultdict(list)
        self.folded: dict[str, list[int]] = defaultdict(list)
        for k in lines:
            self.exact[labels[k]].append(k)
            self.folded[fold_label(labels[k])].append(k)

    def find(self, label: object) -> list[int] | None:
        return self.exact.get(label) or self.folded.get(fold_label(label))


def is_deposit(folded_label: str) -> bool:
    """A deposit line ("Acompte de 30 % sur le devis ...") or a deduction on a final
    invoice ("Acompte FAC2026-0003 du ... déduit", "Déjà facturé : FAC2026-0004 du ..."):
    not a copy of a quote line."""
    return ("acompte" in folded_label or "deposit" in folded_label
            or "déjà facturé" in folded_label or "already invoiced" in folded_label)


def billed_net(ctx: Ctx, quote: str) -> Decimal:
    """Net amount invoiced on a quote: issued invoices and deposits less credit notes."""
    return ctx.quote_billed_net.get(quote, ZERO)


def _over_billing(ctx: Ctx) -> None:
    net = ctx.col("Factures", "net")
    q_net = ctx.col("Devis", "net")
    q_number = ctx.col("Devis", "number")
    billed_on, billed_nets = ctx.billed_on_quote, ctx.quote_billed_net
    skipped = ctx.skipped.get("LignesDevis")  # usually none: no call per quote then
    for quote, t in ctx.quote_target.items():
        limit = q_net[t]
        if limit is None or skipped and ctx.skipped_rows("LignesDevis", quote):
            continue  # a line unreadable (reported there): the quote's total is not known
        billed = billed_on.get(quote, [])
        tol = tolerance(len(billed))
        total = billed_nets.get(quote, ZERO)  # billed_net
        if total > limit + tol:
            ref = text(q_number[t])
            running = ZERO
            for i in billed:
                running += net[i] or ZERO
                if running > limit + tol:
                    ctx.add("QUOTE-OVERBILLED", ERROR, "Factures", i, "net", ref, OVER,
                            quote=ref, billed=ctx.money(total), limit=ctx.money(limit),
                            excess=ctx.money(total - limit))
                    break
    types = ctx.inv_type
    drafts = [i for i in compress(range(len(types)), map(eq, ctx.inv_status, repeat("draft")))
              if types[i] in ("invoice", "deposit")]
    for i in drafts:
        quote = ctx.invoice_quote(i)
        target = ctx.quote_target.get(quote)
        if target is None or q_net[target] is None or net[i] is None or \
                ctx.skipped_rows("LignesDevis", quote):
            continue
        done = billed_net(ctx, quote)
        limit = q_net[target]
        if done + net[i] > limit + tolerance(len(ctx.billed_on_quote.get(quote, [])) + 1):
            ref = text(q_number[target])
            ctx.add("QUOTE-OVERBILLED", ERROR, "Factures", i, "net", ref, OVER_DRAFT,
                    quote=ref, billed=ctx.money(done + net[i]), limit=ctx.money(limit),
                    excess=ctx.money(done + net[i] - limit),
                    room=ctx.money(max(ZERO, limit - done)))
