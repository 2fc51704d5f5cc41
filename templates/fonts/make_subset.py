"""Make the fonts shipped here from DejaVu Sans (Debian's fonts-dejavu-core, or
https://dejavu-fonts.github.io): the Latin letters of every EU language (Latin-1,
Latin Extended-A and -B) and the punctuation an invoice needs, so that each PDF embeds and
subsets a small font (the full 700 KB font takes four times longer to embed). Greek and
Cyrillic are left out for speed: add their ranges below if clients write in them. Run
from this folder:

    python make_subset.py /usr/share/fonts/truetype/dejavu
"""
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

RANGES = [(0x20, 0x7E), (0xA0, 0x24F), (0x2B0, 0x2FF),
          (0x2000, 0x206F), (0x20AC, 0x20AC), (0x2100, 0x2122),
          (0x2190, 0x2193), (0x2212, 0x2212), (0x2264, 0x2265)]


def main(source: Path) -> None:
    codepoints = [c for low, high in RANGES for c in range(low, high + 1)]
    for name in ("DejaVuSans", "DejaVuSans-Bold"):
        options = subset.Options()
        options.layout_features = ["kern", "liga"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        font = TTFont(source / f"{name}.ttf")
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=codepoints)
        subsetter.subset(font)
        font.save(Path(__file__).with_name(f"{name}.ttf"))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu"))
