"""The journal checked against itself: every hash recomputed, every guard in place."""
from __future__ import annotations

from collections.abc import Iterable

from pyfuncs.adapters.journal.base import Backend
from pyfuncs.adapters.journal.entry import Entry, header, is_canonical
from pyfuncs.domain.register import GENESIS, link_digest, sha256_hex


def verify(db: Backend, entries: Iterable[Entry], guards: Iterable[str],
           lang: str = "fr") -> list[str]:
    """One description per broken link (none: the journal is whole).

    Finds an entry whose content or columns were edited, an entry deleted (in the middle
    or at the end), a billed source removed, and a guard trigger dropped.
    """
    fr = lang != "en"
    problems: list[str] = []
    names = db.trigger_names()
    for guard in guards:
        if guard not in names:
            problems.append(f"La protection {guard} du journal a été supprimée." if fr
                            else f"The journal's guard {guard} was removed.")
    texts: dict[int, str] = dict(db.execute("SELECT seq, content FROM documents"))
    expected_seq, prev_chain = 1, GENESIS
    for e in entries:
        what = f"{e.seq} ({e.number})"
        if e.seq != expected_seq:
            gone = f"{expected_seq}" if e.seq == expected_seq + 1 else \
                f"{expected_seq}-{e.seq - 1}"
            problems.append(f"Entrée(s) {gone} supprimée(s) du journal avant l'entrée "
                            f"{what}." if fr else
                            f"Entry(ies) {gone} deleted from the journal before entry "
                            f"{what}.")
        elif e.prev_hash != prev_chain:
            problems.append(f"Entrée {what} : le lien avec l'entrée précédente est rompu "
                            "(entrée précédente modifiée ou remplacée)." if fr else
                            f"Entry {what}: its link to the previous entry is broken (the "
                            "previous entry was changed or replaced).")
        text = texts[e.seq]
        if sha256_hex(text) != e.content_hash or not is_canonical(text):
            problems.append(f"Entrée {what} : son contenu a été modifié après "
                            "l'enregistrement." if fr else
                            f"Entry {what}: its content was changed after it was "
                            "recorded.")
        elif e.chain_hash != link_digest(e.prev_hash, e.content_hash, header(e)):
            problems.append(f"Entrée {what} : ses colonnes (numéro, date, montants, "
                            "sources) ou son empreinte ont été modifiées." if fr else
                            f"Entry {what}: its columns (number, date, amounts, sources) "
                            "or its hash were changed.")
        expected_seq, prev_chain = e.seq + 1, e.chain_hash
    last = db.high_seq()
    if last >= expected_seq:
        gone = f"{expected_seq}" if last == expected_seq else f"{expected_seq}-{last}"
        problems.append(f"Dernière(s) entrée(s) {gone} supprimée(s) du journal." if fr
                        else f"Last entry(ies) {gone} deleted from the journal.")
    for key, counter, top in db.execute(
            "SELECT s.key, s.counter, MAX(d.counter) FROM series s "
            "JOIN documents d ON d.series_key = s.key GROUP BY s.key, s.counter"):
        if counter < top:
            problems.append(f"La série {key} est revenue à {counter} alors que le numéro "
                            f"{top} est émis." if fr else
                            f"Series {key} went back to {counter} while counter {top} is "
                            "issued.")
    return problems
