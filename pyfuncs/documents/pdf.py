"""The PDF of a document: an A4 page laid out with fpdf2, PDF/A-3B, carrying its Factur-X
XML.

Why fpdf2: about 20 documents a second per core here, against about 4 for an HTML engine
(WeasyPrint), with no system dependency; it writes PDF/A-3 itself (fonts embedded and
subset, the sRGB output intent, XMP metadata, the XML as an associated file), so the file
is made once instead of being rewritten by a second library. The fonts (a subset of
DejaVu Sans) and the sRGB profile (ICC's sRGB2014, freely redistributable) ship in
templates/, so a PDF looks the same on any machine.
"""
from __future__ import annotations

import hashlib
from copy import deepcopy
from datetime import UTC, datetime
from html import escape
from io import BytesIO
from pathlib import Path
from typing import cast

from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import OutputIntentSubType
from fpdf.fonts import TTFFont
from fpdf.output import OutputProducer, PDFICCProfile, PDFInfo
from fpdf.syntax import PDFDate
from fpdf.syntax import create_dictionary_string as pdf_dict

from pyfuncs.adapters.files import write_atomically
from pyfuncs.documents import facturx
from pyfuncs.documents.layout import (
    TEMPLATES,
    Labels,
    country,
    day,
    exemption_reasons,
    labels,
    money,
    notes,
    price,
    quantity,
    rate,
    seller_description,
    texts,
)
from pyfuncs.documents.record import InvoiceDoc

FONTS = TEMPLATES / "fonts"
ICC = TEMPLATES / "color" / "sRGB2014.icc"
PRODUCER = "Facturier (fpdf2)"
GREY = (110, 110, 110)
LINE_FILL = (236, 239, 244)
ACCENT = (31, 56, 100)
# table columns: label, qty, unit, unit price, VAT rate, net (mm, 180 in all)
COLS = (78, 17, 15, 27, 15, 28)


class _Producer(OutputProducer):
    """fpdf2's writer, whose document information dictionary also gets the ModDate the
    XMP states (xmp:ModifyDate): PDF/A asks the two to agree on every entry present."""

    def _add_info(self) -> PDFInfo:
        info = super()._add_info()
        info.mod_date = info.creation_date  # type: ignore[attr-defined]
        return info


class _Page(FPDF):
    footer_text = ""
    page_label: Labels | None = None

    def output(self, *args, **kwargs):
        """The PDF, with its document information dictionary (Title, Author, Subject,
        Creator, Producer, CreationDate, ModDate: what viewers show). PDF/A-3 allows it
        when it agrees with the XMP, which says the same; fpdf2 leaves it out in
        compliance mode, where its output otherwise differs only for PDF/A-1 or without
        an XMP of ours."""
        compliance, self._compliance = self._compliance, None
        try:
            return super().output(*args, output_producer_class=_Producer, **kwargs)
        finally:
            self._compliance = compliance

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", size=7)
        self.set_text_color(*GREY)
        self.multi_cell(150, 3.4, self.footer_text, new_x="RIGHT", new_y="TOP")
        if self.page_label is not None:
            self.cell(30, 3.4, self.page_label("page", page=self.page_no(), pages="{nb}"),
                      align="R")


def _xmp(title: str, author: str, subject: str, created: datetime, part: str = "3") -> str:
    stamp = created.isoformat(timespec="seconds")
    e = escape
    return f"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>{part}</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{e(author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(subject)}</rdf:li></rdf:Alt></dc:description>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{e(PRODUCER)}</pdf:Producer>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreatorTool>Facturier</xmp:CreatorTool>
   <xmp:CreateDate>{stamp}</xmp:CreateDate>
   <xmp:ModifyDate>{stamp}</xmp:ModifyDate>
   <xmp:MetadataDate>{stamp}</xmp:MetadataDate>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>fx</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>{"".join(_prop(n, d) for n, d in _FX_PROPS)}
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
   <fx:DocumentType>INVOICE</fx:DocumentType>
   <fx:DocumentFileName>{facturx.FILENAME}</fx:DocumentFileName>
   <fx:Version>1.0</fx:Version>
   <fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"""


_FX_PROPS = (("DocumentFileName", "The name of the embedded XML document"),
             ("DocumentType",
              "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
             ("Version",
              "The actual version of the standard applying to the embedded XML document"),
             ("ConformanceLevel", "The conformance level of the embedded XML document"))


def _prop(name: str, description: str) -> str:
    return (f'\n        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>{name}'
            f'</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>'
            f'<pdfaProperty:category>external</pdfaProperty:category>'
            f'<pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>')


def xml_of(doc: InvoiceDoc, lab: Labels | None = None) -> bytes:
    """The Factur-X XML alone (what the PDF carries)."""
    lab = lab or labels(doc.lang)
    t = texts(doc, lab)
    return facturx.build_xml(doc, notes(t), exemption_reasons(doc, lab),
                             seller_description(doc, lab),
                             t["terms"])


def render(doc: InvoiceDoc, *, embed_xml: bool = True,
           created: datetime | None = None) -> tuple[bytes, bytes]:
    """(PDF bytes, XML bytes) of ``doc``. Without ``embed_xml`` the PDF is a plain
    PDF/A-3B (for measuring what the XML costs)."""
    lab = labels(doc.lang)
    lang = doc.lang
    t = texts(doc, lab)
    xml = xml_of(doc, lab) if embed_xml else b""
    created = (created or datetime.now(UTC)).replace(microsecond=0)
    title = lab(f"title_{doc.kind}") + " " + doc.number
    pdf = _Page(format="A4", unit="mm", enforce_compliance="PDF/A-3B")
    pdf.creation_date = created
    pdf.set_title(title)
    pdf.set_author(doc.seller.name)
    pdf.set_subject(doc.buyer.name)
    pdf.set_creator("Facturier")
    pdf.set_producer(PRODUCER)
    pdf.set_lang("fr-FR" if lang == "fr" else "en-GB")
    pdf.set_xmp_metadata(_xmp(title, doc.seller.name, doc.buyer.name, created))
    pdf.add_output_intent(OutputIntentSubType.PDFA, output_condition_identifier="sRGB",
                          output_condition="IEC 61966-2-1:1999",
                          registry_name="http://www.color.org",
                          dest_output_profile=PDFICCProfile(contents=_icc(), n=3,
                                                            alternate="DeviceRGB"),
                          info="sRGB2014 (v2)")
    _add_fonts(pdf)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=20)
    s = doc.seller
    pdf.footer_text = lab("footer", name=s.name, form=s.legal_form, rcs=s.rcs, siren=s.siren,
                          capital=money(s.capital, lang) if s.capital else "")
    pdf.page_label = lab
    pdf.add_page()
    _header(pdf, doc, lab, t)
    _table(pdf, doc, lab)
    _totals(pdf, doc, lab)
    _mentions(pdf, doc, t)
    if embed_xml:
        embedded = pdf.embed_file(bytes=xml, basename=facturx.FILENAME, mime_type="text/xml",
                                  associated_file_relationship="Data",
                                  desc="Factur-X XML file", modification_date=created,
                                  compress=True)
        # ISO 32000-1 7.11.4: /CheckSum is the MD5 of the file itself (fpdf2 hashes the
        # compressed stream)
        embedded.params = pdf_dict({
            "/Size": len(xml), "/ModDate": PDFDate(created, with_tz=True).serialize(),
            "/CheckSum": f"<{hashlib.md5(xml, usedforsecurity=False).hexdigest()}>"})
    return bytes(pdf.output()), xml


_ICC: bytes | None = None
_FONTS: dict[str, tuple[TTFFont, bytes]] = {}


def _add_fonts(pdf: FPDF) -> None:
    """The two fonts, parsed once per process: each document gets a copy of the parsed
    font (fpdf2's own deepcopy shares what is immutable) over a fresh fontTools object,
    since embedding subsets that object in place. Parsing them anew for every document
    cost a third of its time."""
    for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
        key = "dejavu" + style
        if key not in _FONTS:
            probe = FPDF()
            probe.add_font("DejaVu", style, FONTS / name)
            # (a TrueType file gives a TTFFont)
            _FONTS[key] = (cast(TTFFont, probe.fonts[key]), (FONTS / name).read_bytes())
        parsed, raw = _FONTS[key]
        font = deepcopy(parsed)
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(BytesIO(raw), recalcTimestamp=False, lazy=True)
        pdf.fonts[key] = font


def _icc() -> bytes:
    global _ICC
    if _ICC is None:
        _ICC = ICC.read_bytes()
    return _ICC


def _text(pdf: FPDF, w: float, h: float, value: str, size: float = 8.5,
          bold: bool = False, color: tuple[int, int, int] = (0, 0, 0), align: str = "L",
          ) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.set_text_color(*color)
    for line in wrap(pdf, value, w - 2 * pdf.c_margin):
        pdf.cell(w, h, line, align=align, new_x="LEFT", new_y="NEXT")


def wrap(pdf: FPDF, value: str, width: float) -> list[str]:
    """``value`` broken into lines no wider than ``width`` (mm) in the current font, at
    spaces (a word longer than a line stands alone). fpdf2's multi_cell measures every
    character of every candidate line: doing it per word is five times faster."""
    space = pdf.get_string_width(" ")
    out: list[str] = []
    for paragraph in value.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in paragraph.split(" "):
            size = pdf.get_string_width(word)
            if line and used + space + size > width:
                out.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0.0) + size
            line.append(word)
        out.append(" ".join(line))
    return out


def _header(pdf: FPDF, doc: InvoiceDoc, lab: Labels, t: dict[str, str]) -> None:
    lang, s, b = doc.lang, doc.seller, doc.buyer
    top = 15.0
    if doc.logo is not None:
        pdf.image(str(doc.logo), x=15, y=top, h=16, keep_aspect_ratio=True)
        top += 19
    pdf.set_xy(15, top)
    _text(pdf, 95, 5.2, s.name, 12, bold=True, color=ACCENT)
    seller_lines = [s.address, f"{s.postcode} {s.city}".strip()]
    if s.country and s.country != "FR":
        seller_lines.append(country(s.country, lang))
    seller_lines += [lab("seller_ids", siren=s.siren, siret=s.siret),
                     lab("seller_vat", vat=s.vat),
                     lab("seller_legal", form=s.legal_form, rcs=s.rcs,
                         capital=money(s.capital, lang) if s.capital else "")]
    contact = " – ".join(v for v in (s.email, s.phone) if v)
    if contact:
        seller_lines.append(contact)
    _text(pdf, 95, 3.9, "\n".join(line for line in seller_lines if line), 8, color=GREY)
    seller_bottom = pdf.get_y()

    pdf.set_xy(120, 15)
    _text(pdf, 75, 8, lab(f"title_{doc.kind}"), 17, bold=True, color=ACCENT, align="R")
    _text(pdf, 75, 6, lab("number", number=doc.number), 11, bold=True, align="R")
    facts = [(lab("issue_date"), day(doc.issue_date, lang))]
    start, end = doc.service
    if start == end:
        facts.append((lab("delivery_date" if doc.nature == "goods" else "service_date"),
                      day(end, lang)))
    else:  # once for the document, the lines themselves when they differ
        facts.append((lab("service_period"), lab("service_span", start=day(start, lang),
                                                 end=day(end, lang))))
    if doc.due_date is not None and doc.kind != "credit_note":
        facts.append((lab("due_date"), day(doc.due_date, lang)))
    if doc.po:
        facts.append((lab("po"), doc.po))
    if doc.quote:
        facts.append((lab("quote"), doc.quote))
    if b.code:
        facts.append((lab("client_code"), b.code))
    for name, value in facts:
        pdf.set_font("DejaVu", "B", 8.5)
        wide = max(35.0, pdf.get_string_width(value) + 2 * pdf.c_margin + 1)
        pdf.set_x(max(95.0, 155 - wide))  # a long value (a period) takes room on the left
        pdf.set_font("DejaVu", "", 8.5)
        pdf.set_text_color(*GREY)
        pdf.cell(40, 4.6, name, align="R")
        pdf.set_font("DejaVu", "B", 8.5)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(wide, 4.6, value, align="R", new_x="LMARGIN", new_y="NEXT")

    y = max(seller_bottom, pdf.get_y()) + 5
    pdf.set_xy(110, y)
    _text(pdf, 85, 4, lab("bill_to"), 7.5, color=GREY)
    box_top = pdf.get_y() + 0.5
    pdf.set_xy(113, box_top + 2)
    _text(pdf, 80, 5, b.name, 10, bold=True)
    buyer_lines = [b.address, f"{b.postcode} {b.city}".strip()]
    if b.country and b.country != "FR":
        buyer_lines.append(country(b.country, lang))
    if b.siren:
        buyer_lines.append(lab("buyer_siren", siren=b.siren))
    if b.vat:
        buyer_lines.append(lab("buyer_vat", vat=b.vat))
    pdf.set_x(113)
    _text(pdf, 80, 4.1, "\n".join(line for line in buyer_lines if line), 8.5)
    bottom = pdf.get_y() + 2
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.3)
    if doc.delivery is not None:  # where the goods go, beside the billing address
        d = doc.delivery
        pdf.set_xy(15, y)
        _text(pdf, 85, 4, lab("deliver_to"), 7.5, color=GREY)
        pdf.set_xy(18, box_top + 2)
        _text(pdf, 80, 5, d.name, 10, bold=True)
        pdf.set_x(18)
        _text(pdf, 80, 4.1, "\n".join(line for line in (
            d.address, f"{d.postcode} {d.city}".strip(),
            country(d.country, lang) if d.country and d.country != "FR" else "") if line),
            8.5)
        bottom = max(bottom, pdf.get_y() + 2)
        pdf.rect(15, box_top, 85, bottom - box_top)
    pdf.rect(110, box_top, 85, bottom - box_top)
    pdf.set_xy(15, bottom + 4)
    for key in ("credit_ref", "deducted_ref"):
        if key in t:
            _text(pdf, 180, 4.4, t[key], 9, bold=True)
    pdf.ln(2)


def _table_head(pdf: FPDF, lab: Labels) -> None:
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_fill_color(*ACCENT)
    pdf.set_text_color(255, 255, 255)
    heads = ("col_label", "col_qty", "col_unit", "col_price", "col_rate", "col_net")
    for w, key, align in zip(COLS, heads, "LRCRRR"):
        pdf.cell(w, 6, lab(key), fill=True, align=align)
    pdf.ln(6)
    pdf.set_text_color(0, 0, 0)


def _table(pdf: FPDF, doc: InvoiceDoc, lab: Labels) -> None:
    lang = doc.lang
    _table_head(pdf, lab)
    pdf.set_font("DejaVu", "", 8.5)
    for n, line in enumerate(doc.lines):
        rows = wrap(pdf, line.label, COLS[0] - 2 - 2 * pdf.c_margin)
        if doc.per_line and line.start and line.end:
            rows += wrap(pdf, lab("line_service", start=day(line.start, lang),
                                  end=day(line.end, lang)), COLS[0] - 2 - 2 * pdf.c_margin)
        h = max(1, len(rows)) * 4.3 + 2
        if pdf.get_y() + h > pdf.h - 24:
            pdf.add_page()
            _table_head(pdf, lab)
            pdf.set_font("DejaVu", "", 8.5)
        y = pdf.get_y()
        if n % 2:
            pdf.set_fill_color(*LINE_FILL)
            pdf.rect(15, y, sum(COLS), h, style="F")
        for k, text in enumerate(rows):
            pdf.set_xy(16, y + 1 + 4.3 * k)
            pdf.cell(COLS[0] - 2, 4.3, text)
        values = (quantity(line.quantity, lang), line.unit or lab("no_unit"),
                  price(line.unit_price, lang),
                  rate(line.vat_rate, lang), money(line.net, lang))
        x = 15 + COLS[0]
        for w, value, align in zip(COLS[1:], values, "RCRRR"):
            pdf.set_xy(x, y + 1)
            pdf.cell(w - 1, 4.3, value, align=align)
            x += w
        pdf.set_xy(15, y + h)
    pdf.set_draw_color(*ACCENT)
    pdf.line(15, pdf.get_y(), 15 + sum(COLS), pdf.get_y())
    pdf.ln(4)


def _totals(pdf: FPDF, doc: InvoiceDoc, lab: Labels) -> None:
    lang = doc.lang
    need = 8 + 5 * max(len(doc.vat_rows), 4)
    if pdf.get_y() + need > pdf.h - 24:
        pdf.add_page()
    top = pdf.get_y()
    # VAT per rate, left
    pdf.set_x(15)
    _text(pdf, 90, 5, lab("vat_title"), 8.5, bold=True, color=ACCENT)
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_fill_color(*LINE_FILL)
    for w, key in ((22, "vat_rate"), (34, "vat_base"), (34, "vat_amount")):
        pdf.cell(w, 5, lab(key), fill=True, align="R")
    pdf.ln(5)
    pdf.set_font("DejaVu", "", 8.5)
    for row in doc.vat_rows:
        shown = rate(row.rate, lang) if row.category != "O" else "–"
        for w, value in ((22, shown), (34, money(row.base, lang)), (34, money(row.vat, lang))):
            pdf.cell(w, 5, value, align="R")
        pdf.ln(5)
    left_bottom = pdf.get_y()
    # totals, right
    pdf.set_xy(105, top)
    rows = [(lab("total_net"), money(doc.net, lang), False),
            (lab("total_vat"), money(doc.vat, lang), False),
            (lab("total"), money(doc.total, lang), True)]
    for name, value, strong in rows:
        pdf.set_x(105)
        pdf.set_font("DejaVu", "B" if strong else "", 9.5 if strong else 9)
        pdf.cell(60, 6, name, align="R")
        pdf.cell(30, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(105)
    pdf.set_fill_color(*ACCENT)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("DejaVu", "B", 10)
    due = lab("to_credit") if doc.kind == "credit_note" else lab("to_pay")
    pdf.cell(60, 7.5, due, align="R", fill=True)
    pdf.cell(30, 7.5, money(doc.total, lang), align="R", fill=True, new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)


# what a credit note does not print: nothing is to be paid on it (the XML still carries
# the notes, which the French rules BR-FR-05 ask of every document)
NOT_ON_CREDIT_NOTES = frozenset(("terms", "discount", "penalties", "indemnity"))


def _mentions(pdf: FPDF, doc: InvoiceDoc, t: dict[str, str]) -> None:
    order = ("vat_mention", "debits", "nature", "terms", "bank", "discount", "penalties",
             "indemnity", "facturx")
    for key in order:
        if key not in t or (doc.kind == "credit_note" and key in NOT_ON_CREDIT_NOTES):
            continue
        strong = key in ("vat_mention", "terms")
        pdf.set_x(15)
        _text(pdf, 180, 3.9, t[key], 8, bold=strong,
              color=(0, 0, 0) if strong or key != "facturx" else GREY)
        pdf.ln(0.8)


def write(doc: InvoiceDoc, folder: Path, created: datetime | None = None) -> Path:
    """Write ``doc``'s PDF into ``folder`` as NUMBER.pdf (atomically) and return its path."""
    data, _ = render(doc, created=created)
    return write_atomically(folder / (doc.number.replace("/", "_") + ".pdf"), data)
