"""Reminder templates: the shipped ones render in both languages, the sandbox holds,
HTML is escaped, amounts and dates follow the locale."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from pyfuncs.documents.render import Renderer, RenderError, day, money, rate, text_pdf
from pyfuncs.domain import schema as S


def context(name: str = "Alpha SAS") -> dict:
    item = {"invoice": "FAC2026-0007", "instalment": False, "client": "C1",
            "client_name": name, "issue_date": date(2026, 9, 16),
            "due_date": date(2026, 10, 16), "total": D("10800.00"), "open": D("10800.00"),
            "currency": "EUR", "days_late": 38, "level": 4, "penalty": D("136.61"),
            "penalty_rate": D("0.1215"), "indemnity": D(40), "hold": "",
            "claim_until": date(2031, 10, 16)}
    return {"kind": "client", "level": 4, "tone": "formal",
            "client": {"id": "C1", "name": name, "address": "1 rue de la Paix",
                       "postcode": "75002", "city": "Paris"},
            "contact": "Mme Durand", "seller": {"name": "Altiplano", "email": "a@alti.example",
                                                "phone": "", "iban": "FR76 3000", "bic": "",
                                                "address": "18 rue", "postcode": "69003",
                                                "city": "Lyon", "siren": "732829320"},
            "items": [item], "many": False, "numbers": "FAC2026-0007",
            "total": D("10800.00"), "currency": "EUR", "grand_total": D("10976.61"),
            "as_of": date(2026, 11, 23), "rate": D("0.1215"), "indemnity": D(40),
            "deadline": date(2026, 12, 1), "professional": True,
            "claim_until": date(2031, 10, 16)}


def test_amounts_dates_and_rates_are_formatted_for_the_locale():
    assert money(D("10976.6"), "EUR", "fr") == "10\u202f976,60\u00a0€"
    assert money(D("10976.6"), "EUR", "en") == "EUR\u00a010,976.60"
    assert money(D(-5), "CHF", "fr") == "-5,00\u00a0CHF"
    assert day(date(2026, 12, 1), "fr") == "01/12/2026"
    assert day(date(2026, 12, 1), "en") == "1 December 2026"
    assert rate(D("0.1215"), "fr") == "12,15\u00a0%" and rate(D("0.1215"), "en") == "12.15%"


@pytest.mark.parametrize("lang", S.LANGS)
@pytest.mark.parametrize("template", [r[3] for r in S.DEFAULT_REMINDER_LEVELS] +
                         ["interne_synthese"])
def test_every_shipped_level_renders_subject_text_and_html_in_both_languages(template, lang):
    out = Renderer().email(template, lang, context())
    assert out.subject and "\n" not in out.subject
    assert "FAC2026-0007" in out.text and "FAC2026-0007" in out.html
    assert out.html.lstrip().startswith("<!DOCTYPE html>")


def test_the_formal_notice_says_so_and_states_penalties_the_indemnity_and_a_deadline():
    out = Renderer().email("niveau4_mise_en_demeure", "fr", context())
    text = out.text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "vaut mise en demeure" in text and "01/12/2026" in text
    assert "136,61 €" in text and "40,00 €" in text and "12,15 %" in text
    letter = Renderer().render("reminders/lettre_mise_en_demeure.fr.txt",
                               dict(context(), lang="fr"))
    assert "vaut mise en demeure" in letter
    assert text_pdf(letter).startswith(b"%PDF")


def test_html_escapes_what_users_typed_and_the_text_keeps_it_as_typed():
    ctx = context(name="<script>x</script> & Co")
    ctx["contact"] = "<b>Mme</b>"
    out = Renderer().email("niveau1_rappel", "fr", ctx)
    assert "<b>Mme</b>" not in out.html and "&lt;b&gt;Mme&lt;/b&gt;" in out.html
    assert "Bonjour <b>Mme</b>," in out.text
    assert "&lt;script&gt;" not in out.text and "<script>" not in out.html


@pytest.mark.parametrize("payload", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].system('echo pwned') }}",
    "{{ '{0.__class__}'.format(client) }}",
    "{{ items.append(1) }}",
    "{{ self._TemplateReference__context }}",
])
def test_a_template_reaching_python_internals_fails_safely(tmp_path: Path, payload: str):
    folder = tmp_path / "reminders"
    folder.mkdir()
    (folder / "niveau1_rappel.fr.txt").write_text(
        "{% block subject %}Rappel " + payload + "{% endblock %}", encoding="utf-8")
    with pytest.raises(RenderError) as err:
        Renderer([tmp_path]).email("niveau1_rappel", "fr", context())
    assert "niveau1_rappel" in str(err.value)


def test_a_template_beside_the_workbook_overrides_the_shipped_one(tmp_path: Path):
    folder = tmp_path / "reminders"
    folder.mkdir()
    (folder / "niveau1_rappel.fr.txt").write_text(
        "{% block subject %}Petit rappel {{ numbers }}{% endblock %}"
        "{% block intro %}Coucou {{ client.name }}.{% endblock %}", encoding="utf-8")
    out = Renderer([tmp_path]).email("niveau1_rappel", "fr", context())
    assert out.subject == "Petit rappel FAC2026-0007"
    assert "Coucou Alpha SAS." in out.text


def test_an_undefined_name_in_a_template_is_an_error_not_a_hole(tmp_path: Path):
    folder = tmp_path / "reminders"
    folder.mkdir()
    (folder / "niveau2_relance.fr.txt").write_text(
        "{% block subject %}Relance {{ numero }}{% endblock %}", encoding="utf-8")
    with pytest.raises(RenderError, match="numero"):
        Renderer([tmp_path]).email("niveau2_relance", "fr", context())


def private_context() -> dict:
    """A private person's context, as the job builds it: nothing owed beyond the amount."""
    ctx = context("Anna Kessler")
    ctx["items"] = [dict(ctx["items"][0], penalty=D(0), indemnity=D(0))]
    return dict(ctx, grand_total=ctx["total"], professional=False)


@pytest.mark.parametrize("lang", S.LANGS)
@pytest.mark.parametrize("template", ["niveau3_ferme", "niveau4_mise_en_demeure",
                                      "niveau5_contentieux"])
def test_a_private_persons_reminders_cite_no_professional_rule_nor_penalty(template, lang):
    """L441-10 and D441-5 bind professionals: a private person's firm reminder, formal
    notice and handover state no penalty, no indemnity, no penalty column."""
    out = Renderer().email(template, lang, private_context())
    for body in (out.text, out.html):
        assert "L441" not in body and "D441" not in body and "40,00" not in body
        assert "12,15" not in body and "12.15" not in body
        assert "10\u202f800,00" in body or "10,800.00" in body
    assert ("Pénalités" if lang == "fr" else "Penalties") not in out.html
    assert ("pénalités et indemnités" if lang == "fr" else "with penalties") not in out.text
    legal = "1231-6" in out.text and "1344-1" in out.text
    assert legal == (template != "niveau3_ferme")  # the formal notice starts the interest


@pytest.mark.parametrize("lang", S.LANGS)
def test_a_private_persons_formal_notice_letter_runs_legal_interest_from_itself(lang):
    letter = Renderer().render(f"reminders/lettre_mise_en_demeure.{lang}.txt",
                               dict(private_context(), lang=lang))
    assert "L441" not in letter and "D441" not in letter and "40,00" not in letter
    assert "1231-6" in letter and "1344-1" in letter
    assert ("taux légal à compter de la présente mise en demeure" if lang == "fr" else
            "legal rate from this formal notice") in letter
    assert ("pénalités" if lang == "fr" else "penalties") not in letter
    pro = Renderer().render(f"reminders/lettre_mise_en_demeure.{lang}.txt",
                            dict(context(), lang=lang))
    assert "L441-10" in pro and "D441-5" in pro and "1231-6" not in pro


@pytest.mark.parametrize("lang", S.LANGS)
def test_the_handover_says_by_when_a_claim_in_court_must_be_brought(lang):
    """The owner who takes an invoice to collection learns its last day before the
    limitation (domain/limitation.py), and that a reminder does not stop the clock."""
    out = Renderer().email("niveau5_contentieux", lang, context())
    when = "16/10/2031" if lang == "fr" else "16 October 2031"
    assert when in out.text and when in out.html
    assert ("une relance ne l'interrompt pas" if lang == "fr" else
            "a reminder does not interrupt it") in out.text
    unknown = Renderer().email("niveau5_contentieux", lang, dict(context(), claim_until=None))
    assert when not in unknown.text and "Prescription" not in unknown.text
