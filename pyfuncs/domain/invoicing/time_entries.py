"""Time entries due to be invoiced (domain/time_due.py: validated, of a closed month, on
no invoice yet): one invoice per client, project and month, one line per consultant and daily rate. Each entry is a source of its
own ("temps:<digest>:<n>"), so an entry is billed once however the entries are grouped."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date
from decimal import Decimal

from pyfuncs.domain.context import norm, text
from pyfuncs.domain.findings import ERROR
from pyfuncs.domain.invoicing.document import NewLine
from pyfuncs.domain.invoicing.labels import month_label
from pyfuncs.domain.invoicing.messages import TIME_CLIENT
from pyfuncs.domain.invoicing.planner import Planner
from pyfuncs.domain.time_due import time_due


def entry_digest(*values: object) -> str:
    """A stable short digest naming a row that has no key of its own (a time entry)."""
    raw = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]


def plan_time(planner: Planner) -> None:
    ctx = planner.ctx
    if not ctx.has("Temps"):
        return
    dates = ctx.col("Temps", "date")
    clients = ctx.col("Temps", "client")
    projects = ctx.col("Temps", "project")
    consultants = ctx.col("Temps", "consultant")
    qty = ctx.col("Temps", "quantity")
    rates = ctx.col("Temps", "rate")
    groups: dict[tuple[str, str, date], list[int]] = defaultdict(list)
    names: dict[tuple[str, str, date], tuple[str, str]] = {}
    for k in time_due(ctx, planner.day):
        day = dates[k]
        if qty[k] is None or rates[k] is None:
            continue
        key = (norm(clients[k]), norm(projects[k]), day.replace(day=1))
        groups[key].append(k)
        names.setdefault(key, (text(clients[k]), text(projects[k])))
    seen: dict[str, int] = defaultdict(int)
    for key in sorted(groups, key=lambda g: (g[2], g[0], g[1])):
        entries = groups[key]
        client, project = names[key]
        c = planner.clients.find(client)
        if c is None:
            k = entries[0]
            ctx.add("GEN-CLIENT", ERROR, "Temps", k, "client", client, TIME_CLIENT,
                    day=ctx.day(dates[k]), client=client)
            continue
        month = month_label(key[2], planner.clients.lang(c))
        per: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
        order: list[tuple[str, Decimal]] = []
        for k in entries:
            who = (text(consultants[k]), rates[k])
            if who not in per:
                order.append(who)
            per[who] += qty[k]
        vat = planner.vat(c, None)
        suffix = f" – {project}" if project else ""
        unit = "jour" if planner.clients.lang(c) == "fr" else "day"
        worked = {who: [dates[k] for k in entries
                        if (text(consultants[k]), rates[k]) == who] for who in order}
        lines = [NewLine(f"{who} – {month}{suffix}", per[(who, rate)], unit, rate, vat,
                         f"temps:{key[2]:%Y-%m}", min(worked[(who, rate)]),
                         max(worked[(who, rate)]))
                 for who, rate in order]
        sources = []
        for k in entries:
            digest = entry_digest(dates[k], norm(clients[k]), norm(projects[k]),
                                  norm(consultants[k]), qty[k], rates[k])
            seen[digest] += 1  # two identical entries are two entries
            sources.append(f"temps:{digest}:{seen[digest]}")
        subject = (f"Régie {month}{suffix}" if planner.fr else f"Time and materials, "
                   f"{month}{suffix}")
        planner.new("invoice", c, client, subject, lines, sources, time_entries=entries,
                  po=project if ctx.has("Devis") and project and norm(project) not in
                  ctx.quote_versions else "")
