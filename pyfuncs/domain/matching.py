"""Bank reconciliation: which open invoices a credit on the bank statement pays.

Pure: statement credits, open invoices and clients in, suggestions out. Each suggestion
says why (``reason``) and how sure (``confidence``, 0..1); a ``certain`` one is booked
without asking, the others wait for the accountant in the Rapprochement sheet.

The rules, strongest first:
  1. invoice numbers found in the remittance text, tolerant of spaces, dashes, case and a
     missing prefix (only the digits of the number are compared); a number one typo away
     is accepted within the client's invoices when the amount confirms it;
  2. the payer's IBAN known in Clients, then the payer's name close to a client's;
  3. for a known client: one open invoice of that amount, or a subset of its open
     invoices summing to it (bounded search), or an oldest-first partial allocation;
  4. a small shortfall within the tolerance (bank fees) closes the invoice, the gap
     booked apart from the cash.
A credit matching nothing stays unallocated: booked as nobody's, it is a credit of the
client (or of nobody) until the accountant says what it pays.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pyfuncs.domain.money import ZERO

# A run of digits, groups separated by spaces, dashes, dots, slashes or underscores.
_DIGITS = re.compile(r"\d+(?:\s*[-./_]?\s*\d+)*")
_GROUP = re.compile(r"\d+")
_NON_DIGIT = re.compile(r"\D+")
_NON_DIGIT_LINE = re.compile(r"[^\d\n]+")
# legal forms a bank may add or drop from a payer's name
_FORMS = re.compile(r"\b(sas|sasu|sarl|eurl|sa|sca|sci|snc|scop|gmbh|ag|ltd|llc|bv|nv|"
                    r"srl|spa|inc|cie|et cie|ste|societe)\b")
_IBAN_JUNK = re.compile(r"[^0-9A-Z]")
SUBSET_MAX_INVOICES = 16   # a client's oldest open invoices tried as subsets
SUBSET_MAX_SIZE = 5        # at most this many invoices paid by one transfer
SUBSET_MAX_NODES = 20_000  # steps of the subset search before it gives up
NAME_THRESHOLD = 88.0      # rapidfuzz WRatio for "the payer's name is this client's"


@dataclass(frozen=True)
class Credit:
    """One incoming payment on a statement.

    Attributes:
      key: the entry's identity (bank reference, or a hash): it is booked once.
      date: booking date.
      amount: positive, in the account's currency.
      text: the remittance information (libellé, motif).
      payer: the debtor's name as the bank gives it.
      iban: the debtor's account.
    """

    key: str
    date: date
    amount: Decimal
    text: str = ""
    payer: str = ""
    iban: str = ""


@dataclass(frozen=True)
class OpenInvoice:
    """An invoice with a balance still due (number, client, open amount, due date)."""

    number: str
    client: str
    open: Decimal
    due_date: date | None = None


@dataclass(frozen=True)
class ClientRef:
    """What identifies a client on a statement: its name and its IBANs."""

    id: str
    name: str
    ibans: tuple[str, ...] = ()


@dataclass(frozen=True)
class Allocation:
    """Part of a credit applied to an invoice (``invoice`` "" for an unapplied credit).
    ``gap`` is the shortfall written off within the tolerance (not cash)."""

    invoice: str
    amount: Decimal
    gap: Decimal = ZERO


@dataclass(frozen=True)
class Suggestion:
    """What one credit pays, why, and how sure.

    Attributes:
      credit: the statement entry.
      client: the client it is from ("" when unknown).
      allocations: invoices paid (amounts sum to the credit's amount; one with invoice ""
        holds what is left unapplied).
      reason: a short code: number, number+typo, iban, name, subset, partial, ...
      confidence: 0..1.
      certain: booked without asking.
    """

    credit: Credit
    client: str
    allocations: tuple[Allocation, ...]
    reason: str
    confidence: float
    certain: bool

    @property
    def invoices(self) -> list[str]:
        return [a.invoice for a in self.allocations if a.invoice]

    @property
    def applied(self) -> Decimal:
        return sum((a.amount for a in self.allocations if a.invoice), ZERO)

    @property
    def unapplied(self) -> Decimal:
        return sum((a.amount for a in self.allocations if not a.invoice), ZERO)


def compact_iban(value: str) -> str:
    return _IBAN_JUNK.sub("", str(value or "").upper())


def digits_key(number: str) -> str:
    """The digits of an invoice number: FAC2026-0012 -> 20260012."""
    return _NON_DIGIT.sub("", str(number))


def _candidates(text: str) -> dict[str, int]:
    """Every concatenation of consecutive digit groups of the text, with where it starts:
    "FAC 2026 - 0012 et 2026/0013" gives 2026, 0012, 20260012, 00122026, ..., 20260013."""
    out: dict[str, int] = {}
    for run in _DIGITS.finditer(text):
        groups = [(m.start() + run.start(), m.group()) for m in _GROUP.finditer(run.group())]
        for i in range(len(groups)):
            joined = ""
            for j in range(i, min(len(groups), i + 4)):
                joined += groups[j][1]
                out.setdefault(joined, groups[i][0])
    return out


def _one_typo(a: str, b: str) -> bool:
    """a and b differ by one substitution, one adjacent swap, or one digit more or less."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                and a[diff[1]] == b[diff[0]])
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@dataclass
class Matcher:
    """Indexes the open invoices and clients once; ``match`` then takes credits in order,
    each one consuming what it pays so that two credits never pay the same euro."""

    invoices: Sequence[OpenInvoice]
    clients: Sequence[ClientRef]
    tolerance: Decimal = Decimal(5)
    open: dict[str, Decimal] = field(init=False)
    _by_digits: dict[str, list[OpenInvoice]] = field(init=False)
    _by_client: dict[str, list[OpenInvoice]] = field(init=False)
    _by_iban: dict[str, str] = field(init=False)
    _names: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.open = {}
        self._by_digits = defaultdict(list)
        self._by_client = defaultdict(list)
        self._by_amount: dict[Decimal, list[OpenInvoice]] | None = None
        self._lengths: set[int] = set()
        far = date.max
        ranked = [(inv.due_date or far, inv.number, k, inv)
                  for k, inv in enumerate(self.invoices) if inv.number and inv.open > 0]
        ranked.sort()  # oldest due first; k breaks ties before the records are compared
        by_digits, by_client = self._by_digits, self._by_client
        opens = self.open
        # the digits of every number in one pass of the regex engine (numbers never hold
        # a line break: the reader strips them)
        keys = _NON_DIGIT_LINE.sub("", "\n".join(r[1] for r in ranked)).split("\n")
        if len(keys) != len(ranked):  # a number with a line break after all
            keys = [digits_key(r[1]) for r in ranked]
        for (_, number, _k, inv), key in zip(ranked, keys):
            opens[number] = inv.open
            if len(key) >= 4:
                by_digits[key].append(inv)
            by_client[inv.client].append(inv)
        self._ranked = [r[3] for r in ranked]
        self._lengths = {len(k) for k in by_digits}
        self._by_iban = {compact_iban(i): c.id for c in self.clients for i in c.ibans if i}
        self._names = {c.id: c.name for c in self.clients if c.name}
        from rapidfuzz import utils
        self._processed = {k: utils.default_process(v) for k, v in self._names.items()}
        bare: dict[str, list[str]] = defaultdict(list)
        for k, v in self._processed.items():
            bare[" ".join(_FORMS.sub(" ", v).split())].append(k)
        stems: dict[str, list[str]] = defaultdict(list)
        for name, ids in bare.items():
            for w in {w[:4] for w in name.split() if len(w) >= 3}:
                stems[w] += ids
        # a word most clients share ("conseil", "société") narrows nothing
        common = max(50, len(self._processed) // 20)
        self._stems = {w: ids for w, ids in stems.items() if len(ids) <= common}
        # a name without its legal form that two clients share identifies neither
        self._bare = {name: ids[0] for name, ids in bare.items() if len(ids) == 1 and name}
        self._name_cache: dict[str, tuple[str, str, float]] = {}

    # ---------------------------------------------------------------- identification
    def _numbers_in(self, text: str) -> list[OpenInvoice]:
        found: list[OpenInvoice] = []
        seen: set[str] = set()
        upper = text.upper()
        cands = _candidates(text)
        for cand in sorted(cands, key=cands.__getitem__):
            if len(cand) not in self._lengths:
                continue
            for inv in self._by_digits.get(cand, ()):
                if inv.number not in seen and self.open.get(inv.number, ZERO) > 0:
                    seen.add(inv.number)
                    found.append(inv)
        if len(found) > 1:
            # two series sharing digits (FAC2026-0003, AV2026-0003): the one whose prefix
            # is written wins; otherwise keep both and let the amount decide
            squeezed = re.sub(r"[\s\-./_]", "", upper)
            written = [i for i in found if re.sub(r"[\s\-./_]", "", i.number.upper())
                       in squeezed]
            digits = {digits_key(i.number) for i in written}
            found = written + [i for i in found if digits_key(i.number) not in digits]
        return found

    def _typo_in(self, text: str, client: str, amount: Decimal) -> OpenInvoice | None:
        """A number of this client one typo away from a number in the text, whose open
        amount the credit pays (within the tolerance)."""
        cands = [c for c in _candidates(text) if len(c) >= 6]
        hits = [inv for inv in self._by_client.get(client, ())
                if self.open.get(inv.number, ZERO) > 0
                and self._fits(amount, self.open[inv.number])
                and any(_one_typo(c, digits_key(inv.number)) for c in cands)]
        return hits[0] if len(hits) == 1 else None

    def _client_of(self, credit: Credit) -> tuple[str, str, float]:
        iban = compact_iban(credit.iban)
        if iban and iban in self._by_iban:
            return self._by_iban[iban], "iban", 0.95
        if credit.payer and self._names:
            return self._by_name(credit.payer)
        return "", "", 0.0

    def payer_client(self, credit: Credit) -> str:
        """The client a payer (or a payee) is, by IBAN or a close name; "" for nobody."""
        return self._client_of(credit)[0]

    def _by_name(self, payer: str) -> tuple[str, str, float]:
        """The client whose name is closest to the payer's (a statement repeats payers:
        each one is looked up once)."""
        if payer in self._name_cache:
            return self._name_cache[payer]
        from rapidfuzz import fuzz, process, utils
        found: tuple[str, str, float] = ("", "", 0.0)
        query = utils.default_process(payer)
        bare = " ".join(_FORMS.sub(" ", query).split())
        same = self._bare.get(bare)
        # only clients sharing a word's first four letters with the payer are scored
        near = {k for w in bare.split() if len(w) >= 3 for k in self._stems.get(w[:4], ())}
        best = (None, 100.0, same) if same else process.extractOne(
            query, {k: self._processed[k] for k in near}, scorer=fuzz.WRatio,
            processor=None, score_cutoff=NAME_THRESHOLD) if near else None
        if best is not None:
            found = (best[2], "name", round(0.6 + (best[1] - NAME_THRESHOLD) / 100, 2))
        self._name_cache[payer] = found
        return found

    def _fits(self, amount: Decimal, open_: Decimal) -> bool:
        return ZERO <= open_ - amount <= self.tolerance

    # ---------------------------------------------------------------- allocation
    def _allocate(self, amount: Decimal, invoices: Iterable[OpenInvoice],
                  close_gap: bool) -> tuple[list[Allocation], Decimal]:
        """Apply the amount to the invoices in order, each up to its open amount; the
        last one's shortfall within the tolerance is a gap. Returns what is left."""
        out: list[Allocation] = []
        left = amount
        invoices = list(invoices)
        for n, inv in enumerate(invoices):
            if left <= 0:
                break
            open_ = self.open[inv.number]
            paid = min(open_, left)
            gap = ZERO
            if close_gap and n == len(invoices) - 1 and ZERO < open_ - paid <= self.tolerance:
                gap = open_ - paid
            out.append(Allocation(inv.number, paid, gap))
            left -= paid
        return out, left

    def _subset(self, client: str, amount: Decimal) -> list[OpenInvoice] | None:
        """The unique set of the client's oldest open invoices summing to the amount
        (a shortfall within the tolerance allowed), or None. A depth-first search in
        cents over the invoices sorted by amount, cut when the sum passes the amount and
        after SUBSET_MAX_NODES steps (then: no suggestion rather than a slow one)."""
        pool = [i for i in self._by_client.get(client, ())
                if self.open.get(i.number, ZERO) > 0][:SUBSET_MAX_INVOICES]
        if len(pool) < 2:
            return None
        cents = sorted((int(self.open[i.number] * 100), n) for n, i in enumerate(pool))
        lo, hi = int(amount * 100), int((amount + self.tolerance) * 100)
        if sum(c for c, _ in cents) < lo:
            return None
        found: list[list[int]] = []
        steps = 0
        chosen: list[int] = []

        def walk(start: int, total: int) -> bool:
            nonlocal steps
            for k in range(start, len(cents)):
                steps += 1
                if steps > SUBSET_MAX_NODES:
                    return False
                value, n = cents[k]
                if total + value > hi:
                    break
                chosen.append(n)
                if total + value >= lo and len(chosen) >= 2:
                    found.append(list(chosen))
                    if len(found) > 1:
                        return False
                if len(chosen) < SUBSET_MAX_SIZE and not walk(k + 1, total + value):
                    return False
                chosen.pop()
            return True

        if not walk(0, 0) or len(found) != 1:
            return None
        return [pool[n] for n in sorted(found[0])]

    def _consume(self, allocations: Iterable[Allocation]) -> None:
        for a in allocations:
            if a.invoice:
                self.open[a.invoice] = self.open[a.invoice] - a.amount - a.gap

    def _suggest(self, credit: Credit, client: str, allocations: list[Allocation],
                 left: Decimal, reason: str, confidence: float, certain: bool) -> Suggestion:
        if left > 0:
            allocations = allocations + [Allocation("", left)]
        return Suggestion(credit, client, tuple(allocations), reason, confidence, certain)

    # ---------------------------------------------------------------- the rules
    def match(self, credit: Credit) -> Suggestion:
        """The best suggestion for one credit. What it pays is consumed at once, booked
        or only suggested, so that two credits are never pointed at the same euro."""
        s = self._match(credit)
        self._consume(s.allocations)
        return s

    def _match(self, credit: Credit) -> Suggestion:
        amount = credit.amount
        client, how, sure = self._client_of(credit)
        named = self._numbers_in(credit.text)
        if named:
            if client and any(i.client != client for i in named) and how == "iban":
                same = [i for i in named if i.client == client]
                named = same or named
            owner = named[0].client
            total = sum((self.open[i.number] for i in named), ZERO)
            allocations, left = self._allocate(amount, named, close_gap=True)
            reason = "number" if len(named) == 1 else "numbers"
            if left > 0:
                # paying more than the invoices named: the rest stays a credit of the client
                return self._suggest(credit, owner, allocations, left, reason + "+overpaid",
                                     0.7, False)
            if self._fits(amount, total):
                return self._suggest(credit, owner, allocations, left, reason, 0.99, True)
            return self._suggest(credit, owner, allocations, left, reason + "+partial", 0.9,
                                 True)
        if client:
            typo = self._typo_in(credit.text, client, amount)
            if typo is not None:
                allocations, left = self._allocate(amount, [typo], close_gap=True)
                return self._suggest(credit, client, allocations, left, how + "+number-typo",
                                     0.9 if how == "iban" else 0.8, how == "iban")
            mine = [i for i in self._by_client.get(client, ())
                    if self.open.get(i.number, ZERO) > 0]
            exact = [i for i in mine if self.open[i.number] == amount]
            near = exact or [i for i in mine if self._fits(amount, self.open[i.number])]
            if len(near) == 1 or (exact and len(exact) >= 1):
                allocations, left = self._allocate(amount, near[:1], close_gap=True)
                unique = len(near) == 1
                conf = sure if unique else sure - 0.2
                return self._suggest(credit, client, allocations, left, how + "+amount",
                                     round(conf, 2), how == "iban" and unique)
            combo = self._subset(client, amount)
            if combo is not None:
                allocations, left = self._allocate(amount, combo, close_gap=True)
                return self._suggest(credit, client, allocations, left, how + "+subset",
                                     round(sure - 0.1, 2), how == "iban")
            if mine:
                allocations, left = self._allocate(amount, mine, close_gap=False)
                reason = how + ("+oldest-first" if left <= 0 else "+overpaid")
                return self._suggest(credit, client, allocations, left, reason,
                                     round(sure - 0.3, 2), False)
            return self._suggest(credit, client, [], amount, how + "+no-open-invoice",
                                 round(sure - 0.3, 2), False)
        if self._by_amount is None:  # built once, when a credit from nobody known comes
            self._by_amount = defaultdict(list)
            for inv in self._ranked:
                self._by_amount[inv.open].append(inv)
        same = [i for i in self._by_amount.get(amount, ())
                if self.open.get(i.number, ZERO) == amount]
        if len(same) == 1:
            allocations, left = self._allocate(amount, same, close_gap=False)
            return self._suggest(credit, same[0].client, allocations, left, "amount", 0.4,
                                 False)
        return self._suggest(credit, "", [], amount, "unknown", 0.0, False)


def match_credits(credits: Iterable[Credit], invoices: Sequence[OpenInvoice],
                  clients: Sequence[ClientRef],
                  tolerance: Decimal = Decimal(5)) -> list[Suggestion]:
    """One suggestion per credit, in statement order (oldest credit pays first)."""
    matcher = Matcher(invoices, clients, tolerance)
    return [matcher.match(c) for c in sorted(credits, key=lambda c: (c.date, c.key))]
