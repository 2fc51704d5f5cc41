"""Composing a reminder email from the templates: the context a template sees, the
message with its attachments.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from email.utils import make_msgid
from pathlib import Path

from pyfuncs.adapters.mailer import (
    HeaderInjection,
    build_message,
    domain_of,
    safe_name,
)
from pyfuncs.documents.render import Renderer, RenderError, text_pdf
from pyfuncs.domain import schema as S
from pyfuncs.domain.findings import ERROR, WARNING, Finding
from pyfuncs.domain.money import ZERO
from pyfuncs.domain.penalties import RateTable
from pyfuncs.domain.reminders import (
    FORMAL,
    Due,
    Mailing,
)
from pyfuncs.jobs.reminder_inputs import _seller
from pyfuncs.jobs.reminder_records import (
    DIGEST_TEMPLATE,
    LETTER_TEMPLATE,
    Attach,
    Outgoing,
    RemindResult,
)


# ----------------------------------------------------------------------------- composing
def _older_copy(m: Mailing, renderer: Renderer, template: str, lang: str) -> Path | None:
    """A user's copy, among the templates of a reminder to a private person, made before
    private clients existed: it would claim what only a professional owes (DOMAIN.md,
    penalties; domain/penalties.py owes_professional_penalties)."""
    if m.kind != "client" or m.professional:
        return None
    names = [renderer.email_name(template, lang)]
    if m.level and m.level.tone == FORMAL:
        names.append(renderer.email_name(LETTER_TEMPLATE, lang))
    for name in names:
        older = renderer.older_copy(name, "professional")
        if older is not None:
            return older
    return None
@dataclass
class _Context:
    settings: Mapping[str, object]
    as_of: date
    rates: RateTable
    indemnity: Decimal
    names: Mapping[str, str]
    details: Mapping[str, dict]
    lang: str

    def values(self, m: Mailing) -> dict[str, object]:
        items = [self.item(d) for d in m.items]
        currencies = {d.currency for d in m.items}
        currency = currencies.pop() if len(currencies) == 1 else str(
            self.settings.get("currency") or "EUR")
        total = sum((d.open for d in m.items), ZERO)
        extra = sum((d.penalty.amount + d.indemnity for d in m.items if d.days_late > 0),
                    ZERO)
        days = self.settings.get("formal_notice_days")
        deadline = self.as_of + timedelta(days=int(days) if isinstance(days, int) and
                                          days > 0 else 8)
        return {
            "kind": m.kind, "level": m.level.level if m.level else None,
            "tone": m.level.tone if m.level else "internal",
            "client": self.details.get(m.client, {"id": m.client, "name": m.name}),
            "contact": m.contact, "seller": _seller(self.settings), "items": items,
            "many": len(items) > 1, "numbers": ", ".join(m.invoices), "total": total,
            "currency": currency, "grand_total": total + extra, "as_of": self.as_of,
            "rate": self.rates.rate_on(self.as_of)[0] or Decimal(0),
            "indemnity": self.indemnity, "deadline": deadline,
            # the client owes the penalties of L441-10 and the indemnity of D441-5 (a
            # private person does not: domain/penalties.py owes_professional_penalties)
            "professional": m.professional,
            # the last day the oldest of them can be claimed in court (prescription)
            "claim_until": min((d.claim_until for d in m.items if d.claim_until), default=None),
        }

    def item(self, d: Due) -> dict[str, object]:
        return {"invoice": d.invoice, "instalment": bool(d.step), "client": d.client,
                "client_name": self.names.get(d.client, ""), "issue_date": d.issue_date,
                "due_date": d.due_date, "total": d.total, "open": d.open,
                "currency": d.currency, "days_late": d.days_late, "level": d.level,
                "penalty": d.penalty.amount, "penalty_rate": d.penalty.rate or Decimal(0),
                "indemnity": d.indemnity, "hold": d.hold, "claim_until": d.claim_until}


def _compose(m: Mailing, renderer: Renderer, ctx: _Context, sender: str,
             attach: Attach | None, result: RemindResult) -> Outgoing:
    values = ctx.values(m)
    lang = m.lang if m.lang in S.LANGS else ctx.lang
    template = m.level.template if m.level else DIGEST_TEMPLATE
    fr = ctx.lang != "en"
    older = _older_copy(m, renderer, template, lang)
    if older is not None:
        result.findings.append(Finding(
            "REMIND-TEMPLATE", ERROR, "", None, "", m.key,
            (f"Le modèle {older.name} (dossier {older.parent.name} à côté du classeur) a été "
             f"copié avant les clients particuliers : il réclamerait à {m.name}, un "
             "particulier, les pénalités de retard et l'indemnité forfaitaire que seul un "
             "professionnel doit (C. com. L441-10). Rien n'est envoyé à ce client." if fr else
             f"Template {older.name} (folder {older.parent.name} beside the workbook) was "
             f"copied before private clients existed: it would claim from {m.name}, a "
             "private person, the late-payment penalties and the fixed indemnity only a "
             "professional owes (C. com. L441-10). Nothing is sent to this client."),
            ("Reprendre le modèle livré, ou y entourer les pénalités et l'indemnité de "
             "{% if professional %} … {% endif %}." if fr else
             "Start again from the shipped template, or wrap its penalties and indemnity "
             "in {% if professional %} … {% endif %}.")))
        return Outgoing(m, None, "", "error", f"{older.name}: no private-client branch")
    try:
        rendered = renderer.email(template, lang, values)
        attachments: list[tuple[str, bytes, str]] = []
        if m.kind == "client" and m.level and m.level.attach_invoice and attach is not None:
            for number in m.invoices:
                try:
                    pdf = attach(number)
                except Exception as err:  # noqa: BLE001 - a renderer's failure is a finding
                    pdf = None
                    result.findings.append(Finding(
                        "REMIND-ATTACH", WARNING, "", None, "", number,
                        (f"PDF de {number} non joint : {err}" if fr else
                         f"PDF of {number} not attached: {err}")[:300]))
                if pdf:
                    attachments.append((f"{safe_name(number)}.pdf", pdf, "application/pdf"))
        if m.kind == "client" and m.level and m.level.tone == FORMAL:
            letter = renderer.render(renderer.email_name(LETTER_TEMPLATE, lang), dict(
                values, lang=lang))
            name = f"mise-en-demeure-{safe_name(m.client)}-{ctx.as_of.isoformat()}.pdf"
            attachments.append((name, text_pdf(letter, rendered.subject), "application/pdf"))
        message = build_message(sender, m.to, m.cc, rendered.subject, rendered.text,
                                rendered.html, attachments,
                                make_msgid("relance", domain_of(sender)),
                                headers={"X-Facturier-Reminder": m.key})
    except RenderError as err:
        result.findings.append(Finding(
            "REMIND-TEMPLATE", ERROR, "", None, "", m.key,
            (f"Modèle {err.template} refusé : {err.reason}" if fr else
             f"Template {err.template} refused: {err.reason}"),
            ("Corriger le modèle (variables permises seulement, rien de Python)." if fr else
             "Correct the template (allowed variables only, nothing of Python).")))
        return Outgoing(m, None, "", "error", str(err))
    except HeaderInjection as err:
        result.findings.append(Finding("REMIND-EMAIL", ERROR, "", None, "", m.key, str(err)))
        return Outgoing(m, None, "", "error", str(err))
    return Outgoing(m, message, rendered.subject)


