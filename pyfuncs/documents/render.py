"""Templates users may edit, rendered safely: jinja2 in a sandbox, with locale filters.

Users edit the email templates (templates/reminders/, or the same names in a
``templates/reminders`` folder beside their workbook, which wins), so templates are
untrusted code: they run in jinja2's ImmutableSandboxedEnvironment, where reaching Python
internals (``''.__class__.__mro__``, ``cycler.__init__.__globals__``, ``str.format`` on
an object's attributes...) raises SecurityError, which this module turns into a
RenderError naming the template, never into a crash. Undefined names fail too
(StrictUndefined): a misspelt variable is a finding at preview time, not an email with a
hole in it.

An email template is one file per level and language, ``NAME.LANG.txt``, holding blocks:
``subject``, ``intro``, ``penalties`` (optional), ``closing``. The plain-text body and
the HTML body are both laid out from those blocks by ``_layout.LANG.txt`` and
``_layout.LANG.html``; the HTML layout is autoescaped, and each block is rendered as text
then escaped whole, so a client named ``<script>`` stays text in both.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, cast

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    pass_context,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from pyfuncs.adapters.paths import default_templates

if TYPE_CHECKING:
    from fpdf.fonts import CoreFont

TEMPLATES = default_templates()

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
NNBSP, NBSP = "\u202f", "\u00a0"


class RenderError(Exception):
    """A template that cannot be rendered: missing, wrong syntax, unsafe, undefined name."""

    def __init__(self, template: str, reason: str) -> None:
        super().__init__(f"{template}: {reason}")
        self.template = template
        self.reason = reason


# ----------------------------------------------------------------------------- formatting
def money(amount: object, currency: str = "EUR", lang: str = "fr") -> str:
    """1234.5 -> '1 234,50 €' (fr, narrow no-break spaces) or 'EUR 1,234.50' (en)."""
    if not isinstance(amount, (Decimal, int)):
        return "" if amount is None else str(amount)
    body = f"{Decimal(amount):,.2f}"
    cur = (currency or "EUR").upper()
    if lang == "fr":
        body = body.replace(",", NNBSP).replace(".", ",")
        return f"{body}{NBSP}{'€' if cur == 'EUR' else cur}"
    return f"{cur}{NBSP}{body}"


def day(value: object, lang: str = "fr") -> str:
    """A date: '23/11/2026' (fr) or '23 November 2026' (en)."""
    if not isinstance(value, date):
        return "" if value is None else str(value)
    if lang == "fr":
        return f"{value:%d/%m/%Y}"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def rate(value: object, lang: str = "fr") -> str:
    """0.1215 -> '12,15 %' (fr) or '12.15%' (en)."""
    if not isinstance(value, Decimal):
        return "" if value is None else str(value)
    body = format((value * 100).quantize(Decimal("0.01")), "f")
    return body.replace(".", ",") + NBSP + "%" if lang == "fr" else body + "%"


def _lang(ctx: object) -> str:
    return str(ctx.get("lang") or "fr")  # type: ignore[attr-defined]


@pass_context
def _money(ctx, amount, currency: str = "EUR") -> str:
    return money(amount, currency, _lang(ctx))


@pass_context
def _day(ctx, value) -> str:
    return day(value, _lang(ctx))


@pass_context
def _rate(ctx, value) -> str:
    return rate(value, _lang(ctx))


def paragraphs(text: str) -> Markup:
    """Plain text -> escaped HTML paragraphs (blank line: new paragraph; newline: <br>)."""
    out = []
    for para in text.strip().split("\n\n"):
        lines = [html.escape(line.strip()) for line in para.strip().splitlines()]
        if any(lines):
            out.append("<p>" + "<br>\n".join(lines) + "</p>")
    return Markup("\n".join(out))


# ----------------------------------------------------------------------------- environment
def _environment(folders: list[Path], autoescape: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(str(f)) for f in folders]),
        autoescape=autoescape, undefined=StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=False, auto_reload=False)
    env.filters.update(money=_money, date=_day, rate=_rate)
    return env


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Renderer:
    """Renders email templates and letters; one per run (templates compile once)."""

    def __init__(self, extra: Iterable[Path] = ()) -> None:
        folders = [Path(f) for f in extra if Path(f).is_dir()] + [TEMPLATES]
        self.text_env = _environment(folders, autoescape=False)
        self.html_env = _environment(folders, autoescape=True)
        self._older: dict[tuple[str, str], Path | None] = {}  # older_copy, per run

    def _template(self, env: ImmutableSandboxedEnvironment, name: str):
        try:
            return env.get_template(name)
        except TemplateError as err:
            raise RenderError(name, _reason(err)) from None

    def email_name(self, template: str, lang: str) -> str:
        """The template file of a level in a language, French when the language has none."""
        for candidate in (f"reminders/{template}.{lang}.txt", f"reminders/{template}.fr.txt"):
            try:
                self.text_env.get_template(candidate)
                return candidate
            except TemplateError:
                continue
        return f"reminders/{template}.{lang}.txt"

    def older_copy(self, name: str, variable: str) -> Path | None:
        """The user's copy of the shipped template ``name`` when it never uses
        ``variable`` although the shipped one does (it was copied before the variable came,
        so it cannot say what the variable changes); None otherwise. Read once a run."""
        if (name, variable) not in self._older:
            self._older[name, variable] = self._older_copy(name, variable)
        return self._older[name, variable]

    def _older_copy(self, name: str, variable: str) -> Path | None:
        shipped = TEMPLATES / name
        try:
            tpl = self.text_env.get_template(name)
        except TemplateError:
            return None
        if not tpl.filename or Path(tpl.filename).resolve() == shipped.resolve() or \
                not shipped.is_file():
            return None
        used = re.compile(rf"\b{re.escape(variable)}\b")
        mine = Path(tpl.filename).read_text(encoding="utf-8")
        if used.search(mine) or not used.search(shipped.read_text(encoding="utf-8")):
            return None
        return Path(tpl.filename)

    def blocks(self, name: str, context: Mapping[str, object]) -> dict[str, str]:
        """Each block of a template rendered as plain text."""
        tpl = self._template(self.text_env, name)
        out = {}
        try:
            for block, render in tpl.blocks.items():
                out[block] = "".join(render(tpl.new_context(dict(context)))).strip()
        except Exception as err:  # noqa: BLE001 - a user's template may raise anything
            raise RenderError(name, _reason(err)) from None
        return out

    def email(self, template: str, lang: str, context: Mapping[str, object]) -> Rendered:
        name = self.email_name(template, lang)
        ctx = dict(context, lang=lang)
        parts = self.blocks(name, ctx)
        subject = " ".join(parts.get("subject", "").split())
        if not subject:
            raise RenderError(name, "the subject block is empty or missing")
        text_ctx = dict(ctx, **{k: v for k, v in parts.items() if k != "subject"},
                        subject=subject)
        for key in ("intro", "penalties", "closing"):
            text_ctx.setdefault(key, "")
        html_ctx = dict(text_ctx, **{k: paragraphs(str(v)) for k, v in text_ctx.items()
                                     if k in ("intro", "penalties", "closing")})
        layout_txt = f"reminders/_layout.{lang}.txt"
        layout_html = f"reminders/_layout.{lang}.html"
        return Rendered(subject, self.render(layout_txt, text_ctx, html=False),
                        self.render(layout_html, html_ctx, html=True))

    def render(self, name: str, context: Mapping[str, object], html: bool = False) -> str:
        tpl = self._template(self.html_env if html else self.text_env, name)
        try:
            return tpl.render(**context)
        except Exception as err:  # noqa: BLE001 - a user's template may raise anything
            raise RenderError(name, _reason(err)) from None


def _reason(err: Exception) -> str:
    kind = type(err).__name__
    text = str(err).splitlines()[0] if str(err) else ""
    line = getattr(err, "lineno", None)
    return f"{kind}{f' line {line}' if line else ''}: {text}"[:300]


# ----------------------------------------------------------------------------- letters
_PDF_TEXT = str.maketrans({NNBSP: " ", NBSP: " ", "\u2019": "'", "\u2018": "'", "\u2013": "-",
                           "\u2014": "-", "\u201c": '"', "\u201d": '"', "\u2026": "..."})


def text_pdf(text: str, title: str = "") -> bytes:
    """A plain one-column A4 letter from text (blank line: paragraph), with fpdf2's core
    Helvetica: latin-1 covers French; the euro sign is written EUR."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(title or "Facturier")
    pdf.set_creator("Facturier")
    pdf.add_page()
    size = 10.5
    pdf.set_font("Helvetica", size=size)
    clean = text.translate(_PDF_TEXT).replace("\u20ac", "EUR")
    clean = clean.encode("latin-1", "replace").decode("latin-1")
    # our own word wrap on the core font's widths: fpdf2's multi_cell measures every
    # character through its text shaper, ten times slower for a plain letter
    widths = cast("CoreFont", pdf.current_font).cw  # set just above
    scale = size / 1000 / pdf.k
    room = pdf.epw

    def width(word: str) -> float:
        return sum(widths.get(ch, 500) for ch in word) * scale

    space = width(" ")
    for line in clean.strip().splitlines():
        if not line.strip():
            pdf.ln(4)
            continue
        current: list[str] = []
        used = 0.0
        for word in line.rstrip().split(" "):
            w = width(word)
            if current and used + space + w > room:
                pdf.cell(0, 5.2, " ".join(current), new_x="LMARGIN", new_y="NEXT")
                current, used = [], 0.0
            used += (space if current else 0) + w
            current.append(word)
        pdf.cell(0, 5.2, " ".join(current), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
