"""How a report sheet prints: A4, fitted to the page's width, landscape where wide, its
header rows repeated; a header label wrapped on two lines gets a column wide enough to
show it whole. Used by the template builder and by the surgical writer's output sheets.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

# A4 with Excel's default margins leaves about 95 characters of the default font across
# in portrait: a wider sheet prints in landscape. Every sheet fits the page's width.
PORTRAIT_WIDTH = 95


def is_wide(widths: Sequence[float]) -> bool:
    """Whether columns of these widths print in landscape on A4."""
    return sum(widths) > PORTRAIT_WIDTH


def print_setup(widths: Sequence[float], one_page: bool = False) -> str:
    """An output sheet's page set-up: A4, landscape when wide, fitted to the page's width
    (to one page altogether when ``one_page``: a dashboard and its charts)."""
    orientation = "landscape" if is_wide(widths) or one_page else "portrait"
    tall = "1" if one_page else "0"
    return (f'<pageSetup paperSize="9" orientation="{orientation}" fitToWidth="1" '
            f'fitToHeight="{tall}"/>')


def header_width(label: str, lines: int = 2) -> float:
    """The narrowest column width at which a bold header label shows whole on ``lines``
    lines (the header row wraps), its words kept whole: about 1.1 width units a character
    in bold, plus the cell's padding."""
    words = label.split() or [""]
    if lines <= 1 or len(words) == 1:
        longest = len(label)
    else:
        longest = min(max(len(" ".join(words[:k])), len(" ".join(words[k:])))
                      for k in range(1, len(words)))
    return round(longest * 1.1 + 1.5, 1)


_PAGE_BEFORE = ("headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches",
                "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF",
                "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                "tableParts", "extLst", "AlternateContent")


def _with_page_setup(kept: list[tuple[str, str]], setup: str) -> list[tuple[str, str]]:
    """The kept tail elements with a pageSetup at its place in the schema's order (after
    printOptions and pageMargins, before headerFooter and drawings), margins included."""
    names = [name for name, _ in kept]
    extra = [("pageSetup", setup)]
    if "pageMargins" not in names:
        extra.insert(0, ("pageMargins", ('<pageMargins left="0.7" right="0.7" top="0.75" '
                                         'bottom="0.75" header="0.3" footer="0.3"/>')))
    at = next((k for k, name in enumerate(names) if name in _PAGE_BEFORE), len(kept))
    return kept[:at] + extra + kept[at:]


def _fit_to_page(sheet_pr: str) -> str:
    """sheetPr asking for the page set-up's fit to pages (pageSetUpPr comes after tabColor
    and outlinePr)."""
    fit = '<pageSetUpPr fitToPage="1"/>'
    if "<pageSetUpPr" in sheet_pr:
        return re.sub(r"<pageSetUpPr\b[^>]*?/>", fit, sheet_pr, count=1)
    if not sheet_pr:
        return f"<sheetPr>{fit}</sheetPr>"
    if sheet_pr.rstrip().endswith("/>") and "</sheetPr>" not in sheet_pr:
        return sheet_pr.rstrip()[:-2].rstrip() + f">{fit}</sheetPr>"
    return sheet_pr.replace("</sheetPr>", fit + "</sheetPr>", 1)


# ------------------------------------------------------------------------- styles
