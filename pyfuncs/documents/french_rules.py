"""The official rules a Factur-X must pass before it goes to the approved platform: the
French e-invoicing rules BR-FR-* (blocking build) and the Factur-X rules at profile
EN 16931; and, for the lifecycle status messages a platform sends back, the CDAR D22B
schema and the BR-FR-CDV rules. As the FNFE-MPE publishes them (France RFE, XP Z12-012;
the copy and its licence in templates/rules). A platform rejects a file that breaks one
(status 213) and the invoice is then not issued (docs/E-INVOICING.md), so Facturier runs
the same rules first and keeps such a document back.

The rules are schematrons compiled to XSLT 2, run offline with Saxon-HE (saxonche): each
``svrl:failed-assert`` flagged ``fatal`` is a breach; a ``warning`` is advice and lets the
document go. Compiling both rule sets takes about half a second, once per process; a
document is then checked in about 10 ms.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from pyfuncs.adapters.paths import default_templates

RULES = default_templates() / "rules"
RULE_SETS = (RULES / "BR-FR-Flux2-Schematron-CII.xslt", RULES / "FACTUR-X_EN16931.xslt")
SVRL = "http://purl.oclc.org/dsdl/svrl"


class RulesUnavailable(Exception):
    """The rules cannot be run here (Saxon missing, a rule file missing): nothing may be
    sent unchecked."""


@dataclass(frozen=True)
class Breach:
    """One broken rule.

    Attributes:
      rule: its id (``BR-FR-05``, ``BR-CO-15``...).
      text: the rule's own message.
      location: the XPath of the XML element it is about.
    """

    rule: str
    text: str
    location: str = ""


@cache
def _processor() -> Any:
    try:
        import saxonche
    except ImportError:
        raise RulesUnavailable("Saxon-HE (the saxonche package) is not installed: "
                               "pip install saxonche") from None
    return saxonche.PySaxonProcessor(license=False)


@cache
def _compiled(path: Path) -> Any:
    if not path.is_file():
        raise RulesUnavailable(f"{path}: the French rules are missing from the installation")
    processor = _processor()
    return processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))


def breaches(xml: bytes, rule_sets: tuple[Path, ...] = RULE_SETS) -> list[Breach]:
    """The fatal failed asserts of every rule set on the CII ``xml``, in the rules' order."""
    processor = _processor()
    out: list[Breach] = []
    for path in rule_sets:
        node = processor.parse_xml(xml_text=xml.decode("utf-8"))
        report = _compiled(path).transform_to_string(xdm_node=node)
        root = etree.fromstring(report.encode("utf-8"),
                                etree.XMLParser(resolve_entities=False, no_network=True))
        for failed in root.iter(f"{{{SVRL}}}failed-assert"):
            if failed.get("flag", "fatal") != "fatal":
                continue
            said = failed.find(f"{{{SVRL}}}text")
            text = " ".join("".join(str(t) for t in said.itertext()).split()) if said is not None else ""
            out.append(Breach(failed.get("id") or "?", text, failed.get("location") or ""))
    return out


CDAR = RULES / "cdar"
CDAR_XSD = CDAR / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
CDAR_RULES = (CDAR / "BR-FR-CDV-Schematron-CDAR.xslt",)


@cache
def _cdar_schema() -> etree.XMLSchema:
    if not CDAR_XSD.is_file():
        raise RulesUnavailable(f"{CDAR_XSD}: the CDAR schema is missing from the installation")
    return etree.XMLSchema(etree.parse(str(CDAR_XSD)))


def cdar_breaches(xml: bytes) -> list[Breach]:
    """What is wrong with a lifecycle status message (CDAR D22B, XP Z12-012): its schema
    errors (rule "XSD", with the line), else the fatal failed asserts of the French
    BR-FR-CDV rules."""
    try:
        doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as err:
        return [Breach("XML", str(err))]
    schema = _cdar_schema()
    if not schema.validate(doc):
        log: Any = schema.error_log  # iterable at run time; lxml-stubs do not say so
        return [Breach("XSD", e.message, f"line {e.line}") for e in log]
    return breaches(xml, CDAR_RULES)
