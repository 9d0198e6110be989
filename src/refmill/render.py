"""Rich renderables for people at a terminal: an entry's card, the library's statistics.

These build what to show and never print: the command prints them on a Console it makes
per invocation, which colours only at a terminal and honours NO_COLOR. Text from records
goes in as `Text`, never as markup, so a title with "[...]" shows as written.
"""
from __future__ import annotations

from rich.bar import Bar
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .entries import tags
from .model import Date, Name, Record
from .stats import Stats, year_series

MAX_NAMES = 12  # a card lists this many names, then "... and N more"


def _names(people: list[Name], truncated: bool = False) -> str:
    shown = [p.display() for p in people[:MAX_NAMES]]
    text = "; ".join(shown)
    if len(people) > MAX_NAMES:
        text += f"; ... and {len(people) - MAX_NAMES} more"
    elif truncated:
        text += "; et al."
    return text


def _date(date: Date | None) -> str:
    if not date:
        return ""
    if date.year is None:
        return date.literal
    return "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(x for x in (date.year, date.month, date.day) if x))


def _where(rec: Record) -> str:
    """"vol. 145, no. 14, pp. 1485-1497"."""
    parts = []
    if rec.get("volume"):
        parts.append(f"vol. {rec.get('volume')}")
    if rec.get("issue"):
        parts.append(f"no. {rec.get('issue')}")
    page = rec.get("page")
    if page:
        parts.append(("pp. " if "-" in page else "p. ") + page)
    return ", ".join(parts)


def card_rows(rec: Record) -> list[tuple[str, str]]:
    """(label, value) lines of an entry's card, empty ones left out."""
    custom = rec.custom
    source = str(custom.get("source") or "")
    if source and custom.get("line"):
        source += f":{custom['line']}"
    cited_by = custom.get("cited-by")
    confidence = custom.get("confidence")
    rows = [
        ("editors", _names(rec.editor)),
        ("in" if rec.type in ("chapter", "paper-conference") else "journal", rec.get("container-title")),
        ("series", rec.get("collection-title")),
        ("date", _date(rec.issued)),
        ("volume" if rec.get("volume") else "issue", _where(rec)),
        ("edition", rec.get("edition")),
        ("publisher", ", ".join(p for p in (rec.get("publisher"), rec.get("publisher-place")) if p)),
        ("type", rec.type + (f" ({rec.get('genre')})" if rec.get("genre") else "")),
        ("DOI", rec.doi),
        ("PMID", rec.get("PMID")),
        ("PMCID", rec.get("PMCID")),
        ("arXiv", str(custom.get("arxiv") or "")),
        ("ISBN", rec.get("ISBN")),
        ("ISSN", rec.get("ISSN")),
        ("URL", rec.get("URL")),
        ("tags", ", ".join(tags(rec))),
        ("note", rec.get("note")),
        ("cited by", ", ".join(cited_by) if isinstance(cited_by, list) else str(cited_by or "")),
        ("source", source),
        ("confidence", f"{confidence:.2f}" if isinstance(confidence, (int, float)) and not isinstance(confidence, bool) else ""),
        ("abstract", rec.get("abstract")),
    ]
    return [(label, value) for label, value in rows if value]


def card(rec: Record) -> Panel:
    """An entry as a card: title, authors, then labelled fields."""
    body = Table.grid(padding=(0, 2))
    body.add_column(style="cyan", no_wrap=True)
    body.add_column(overflow="fold")
    for label, value in card_rows(rec):
        body.add_row(label, Text(value, style="link https://doi.org/" + rec.doi if label == "DOI" else ""))
    head = [Text(rec.title or "(no title)", style="bold")]
    if rec.author:
        head.append(Text(_names(rec.author, rec.truncated)))
    return Panel(Group(*head, Text(""), body), title=Text(rec.id, style="bold green"), title_align="left", expand=True)


def _counts(title: str, counts: dict[str, int], top: int | None) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=None, show_header=False, pad_edge=False)
    table.add_column(overflow="fold")
    table.add_column(justify="right")
    items = list(counts.items())
    for name, n in items[:top]:
        table.add_row(Text(name), str(n))
    if top is not None and len(items) > top:
        table.add_row(Text(f"... {len(items) - top} more", style="dim"), "")
    return table


def stats_view(stats: Stats, top: int | None = 10) -> RenderableType:
    """Totals, a bar per year, then the commonest types, journals and authors."""
    series = year_series(stats)
    known = [y for y in stats.years if y != "unknown"]
    span = f", {known[0]}-{known[-1]}" if known else ""
    parts: list[RenderableType] = [Text(f"{stats.records} {'record' if stats.records == 1 else 'records'}{span}", style="bold")]
    if not stats.records:
        return Group(*parts)
    parts.append(Text(""))
    if series:
        chart = Table(title="Publications per year", title_justify="left", title_style="bold",
                      box=None, show_header=False, pad_edge=False)
        chart.add_column(justify="right")
        chart.add_column(justify="right")
        chart.add_column(width=40, no_wrap=True)
        most = max(n for _, n in series) or 1
        for year, n in series:
            chart.add_row(year, str(n), Bar(size=most, begin=0, end=n, width=40, color="green"))
        parts += [chart, Text("")]
    parts += [
        _counts("Types", stats.types, top), Text(""),
        _counts("Journals", stats.journals, top), Text(""),
        _counts("Authors", stats.authors, top),
    ]
    return Group(*parts)
