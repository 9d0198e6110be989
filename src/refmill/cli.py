"""The command line: options, streams, rendering and exit codes. No logic lives here."""
from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import click

from . import __version__, config, formats, library
from .errors import ExitCode, InputError, LibraryError, Problem, RefmillError
from .inputs import expand, read_input
from .model import Record, assign_keys


def _lazy_module(name: str) -> Any:
    """`name`, executed on first use (importlib's LazyLoader): dedupe and entries bring in
    rapidfuzz and bibtexparser, which a search on a fresh index does without."""
    import importlib.util

    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)
    return module


dedupe = _lazy_module("refmill.dedupe")
entries = _lazy_module("refmill.entries")

# json: another name for csl-json (one array), as `refmill search --format json` has it
OUTPUT_FORMATS = ["bibtex", "biblatex", "ris", "medline", "csl-json", "json", "jsonl", "keys", "table", "card"]
TERMINAL_FORMATS = ("table", "card")  # drawn for people; not for -o


# --- error handling: the one place that turns errors into messages and exit codes ----------


def _debug() -> bool:
    return os.environ.get("REFMILL_DEBUG", "") not in ("", "0")


class RefmillGroup(click.Group):
    """Turns RefmillError into `Error: …` on stderr and refmill's exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RefmillError as exc:
            if _debug():
                traceback.print_exc()
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(int(exc.exit_code))
        except BrokenPipeError:
            # the reader went away (`refmill export | head`): not an error of ours
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing was written.", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, trace only with --debug
            if _debug():
                traceback.print_exc()
            click.echo(
                f"Error: internal error ({type(exc).__name__}: {exc}); rerun with --debug and report it",
                err=True,
            )
            ctx.exit(int(ExitCode.ERROR))


@click.group(cls=RefmillGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="refmill")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors (or set REFMILL_DEBUG=1).")
def cli(debug: bool) -> None:
    """Turn pasted reference lists into clean BibTeX, RIS and CSL-JSON, and keep a library.

    \b
    Exit codes: 0 success, 1 nothing matched (search), 2 error, 3 partial result.
    """
    if debug:
        os.environ["REFMILL_DEBUG"] = "1"


# --- shared options --------------------------------------------------------------------------


def library_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--library",
        "library_path",
        envvar="REFMILL_LIBRARY",
        default=lambda: config.setting("library"),
        show_envvar=False,
        type=click.Path(dir_okay=False),
        help="The library file [default: REFMILL_LIBRARY, else `library` in the config file, else refs.bib].",
    )(f)


def encoding_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--encoding", default=None, metavar="NAME", help="Encoding of input files without a BOM (default UTF-8)."
    )(f)


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--ascii/--unicode", "ascii_only", default=None,
        help="BibTeX/BibLaTeX with LaTeX accents, or UTF-8 [default: REFMILL_ASCII, else `ascii` in the config file, else UTF-8].",
    )(f)
    f = click.option(
        "-o", "--output", type=click.Path(dir_okay=False), default=None,
        help="Write to FILE (format from its extension unless --format is given).",
    )(f)
    f = click.option(
        "--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default=None,
        help="Output format [default: table at a terminal, jsonl otherwise].",
    )(f)
    return f


def crossref_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """How to reach Crossref (enrich, add, parse --enrich)."""
    f = click.option("--refresh", is_flag=True, help="Ask Crossref again instead of using cached answers.")(f)
    f = click.option("--offline", is_flag=True, help="Answer from the cache only; send no request.")(f)
    f = click.option(
        "--crossref-url", metavar="URL", default=None,
        help="Crossref API base URL, http(s) only (or REFMILL_CROSSREF_URL, or crossref_url in the config file).",
    )(f)
    f = click.option(
        "--mailto", metavar="EMAIL", default=None,
        help="Your e-mail, sent with every request for Crossref's polite pool (or REFMILL_MAILTO, or mailto in the config file).",
    )(f)
    return f


def matching_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """What to do with what Crossref says (enrich, parse --enrich)."""
    f = click.option("--explain", is_flag=True, help="Say for every record what Crossref gave and why (stderr).")(f)
    f = click.option(
        "--prefer", type=click.Choice(["ours", "crossref"]), default="ours", show_default=True,
        help="Whose value wins where the record and Crossref both have one (differences are reported).",
    )(f)
    return f


# --- rendering -------------------------------------------------------------------------------


def _choose_format(fmt: str | None, output: str | None) -> str:
    if fmt:
        return "csl-json" if fmt == "json" else fmt
    if output:
        return formats.format_for_path(output) or "jsonl"
    return "table" if sys.stdout.isatty() else "jsonl"


def _table(records: list[Record]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("key", "authors", "year", "title", "journal"):
        table.add_column(column, overflow="fold")
    for rec in records:
        people = rec.author or rec.editor
        who = people[0].display() if people else ""
        if len(people) > 1 or rec.truncated:
            who += " et al."
        table.add_row(rec.id, who, str(rec.year or ""), rec.title, rec.get("container-title"))
    Console().print(table)


def emit(records: list[Record], fmt: str | None, output: str | None, ascii_only: bool | None = None) -> None:
    """Write records to stdout or `output` in the chosen format."""
    fmt = _choose_format(fmt, output)
    if fmt in TERMINAL_FORMATS:
        if output:
            raise click.UsageError(f"--format {fmt} prints to the terminal; choose another format for -o")
        if fmt == "card":
            _cards(records)
        else:
            _table(records)
        return
    if ascii_only is None:
        ascii_only = config.setting("ascii")
    chunks = formats.write_chunks(records, fmt, ascii_only=ascii_only)
    if output:
        library.write_atomic(output, chunks, backup=False)
    else:
        for chunk in chunks:
            click.echo(chunk, nl=False)


def report(problems: Iterable[Problem]) -> int:
    """Name every skipped or doubtful item on stderr; return how many were skipped."""
    count = 0
    for problem in problems:
        click.echo(f"{'Warning' if problem.skipped else 'Note'}: {problem}", err=True)
        count += problem.skipped
    return count


def read_records(
    paths: list[str], encoding: str | None, fmt: str | None = None
) -> tuple[list[Record], list[Problem]]:
    """Read every input (directories expanded) in its own format."""
    records: list[Record] = []
    problems: list[Problem] = []
    for name in progress(expand(list(paths)), "Reading"):
        source = read_input(name, encoding)
        if not source.text.strip():
            problems.append(Problem(name, None, "empty input"))
            continue
        fmt_here = fmt or formats.detect(name, source.text)
        recs, probs = formats.read(source.text, name, fmt_here)
        if fmt_here in ("text", "lines"):
            _keys_from_pattern(recs)
        if not recs and not probs:
            probs = [Problem(name, None, "no references found")]
        records += recs
        problems += probs
    return records, problems


def finish(problems: int, produced: int) -> None:
    """Exit 3 when something was skipped, 2 when nothing at all came out."""
    ctx = click.get_current_context()
    if produced == 0 and problems:
        click.echo("Error: nothing could be read from the input", err=True)
        ctx.exit(int(ExitCode.ERROR))
    if problems:
        ctx.exit(int(ExitCode.PARTIAL))


def require_inputs(paths: tuple[str, ...]) -> None:
    if not paths:
        raise click.UsageError("no input given; name files, or '-' for standard input")


# --- commands --------------------------------------------------------------------------------


@cli.command()
@click.argument("inputs", nargs=-1, metavar="FILE...")
@click.option("--one-per-line", is_flag=True, help="Exactly one reference per non-empty line, in order.")
@output_options
@encoding_option
@click.option("--enrich", "with_crossref", is_flag=True, help="Find DOIs and fill fields from Crossref (see `refmill enrich`).")
@crossref_options
@matching_options
def parse(inputs: tuple[str, ...], one_per_line: bool, fmt: str | None, output: str | None,
          ascii_only: bool, encoding: str | None, with_crossref: bool, **crossref: Any) -> None:
    """Parse pasted reference lists into records.

    \b
    Examples:
      refmill parse page.txt --format bibtex
      pbpaste | refmill parse - --format ris > refs.ris
      refmill parse --one-per-line refs.txt --format jsonl
      refmill parse page.txt --enrich --format bibtex
    """
    require_inputs(inputs)
    records, problems = read_records(list(inputs), encoding, "lines" if one_per_line else "text")
    # the parsed records live until the command ends, and parsing makes millions of objects
    # and no cycles: the cyclic collector need not walk them again and again while they are
    # written (2-6% of the CPU time of a long parse)
    gc.freeze()
    failed = 0
    if with_crossref and records:
        records, failed = enrich_records(records, **crossref)
    emit(records, fmt, output, ascii_only)
    finish(report(problems) + failed, len(records))


@cli.command(name="import")
@click.argument("inputs", nargs=-1, metavar="FILE...")
@library_option
@encoding_option
def import_(inputs: tuple[str, ...], library_path: str, encoding: str | None) -> None:
    """Add pasted pages, BibTeX, RIS or CSL-JSON to the library.

    Directories are read file by file; records the library already holds are skipped.

    \b
    Examples:
      refmill import data/ --library refs.bib
      refmill import zotero.bib pubmed.ris other.json
    """
    require_inputs(inputs)
    records, problems = read_records(list(inputs), encoding)
    count = report(problems)
    if not records:
        finish(count, 0)
        return
    with library.locked(library_path):
        held = library.load(library_path)
        merge = library.add_records(held, records)
        if merge.added:
            library.save(library_path, held)
    click.echo(
        f"{library_path}: {len(merge.added)} added, {len(merge.duplicates)} already there, {len(held)} in all",
        err=True,
    )
    finish(count, len(records))


@cli.command()
@library_option
@output_options
def export(library_path: str, fmt: str | None, output: str | None, ascii_only: bool) -> None:
    """Write the whole library in another format.

    The format is --format, else the extension of -o FILE, else REFMILL_FORMAT or `format`
    in the config file, else table at a terminal and jsonl otherwise.

    \b
    Examples:
      refmill export --format csl-json -o refs.json
      refmill export --format ris > refs.ris
    """
    records = existing_library(library_path)
    if not fmt and not (output and formats.format_for_path(output)):
        fmt = config.setting("format")
    emit(records, fmt, output, ascii_only)


# --- enrichment: enrich, add (issue 5) -------------------------------------------------------


class DoiType(click.ParamType):
    """A DOI as typed or pasted ("doi:10.1/x", "https://doi.org/10.1/x"): the bare DOI."""

    name = "doi"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        from .model import normalize_doi

        doi = normalize_doi(str(value))
        if not doi:
            self.fail(f"not a DOI: {value!r}; expected 10.xxxx/...", param, ctx)
        return doi


def make_client(mailto: str | None, crossref_url: str | None, offline: bool, refresh: bool) -> Any:
    """The Crossref client from options > environment > config file, with the disk cache."""
    from . import config, crossref

    client = crossref.client_from_settings(config.load(), mailto, crossref_url, offline, refresh, config.cache_dir())
    if not client.mailto and not offline:
        click.echo("Note: without --mailto (or REFMILL_MAILTO) Crossref serves refmill from its slower public pool.", err=True)
    return client


def _explain(outcome: Any) -> str:
    ev = outcome.evidence
    detail = ""
    if ev is not None:
        detail = f"score {ev.score:.2f}; agreed: {', '.join(ev.agreed) or 'nothing'}"
        if ev.disagreed:
            detail += f"; disagreed: {', '.join(ev.disagreed)}"
        if ev.absent:
            detail += f"; not in the reference: {', '.join(ev.absent)}"
        if ev.unexplained:
            detail += f"; numbers not in Crossref's record: {' '.join(ev.unexplained)}"
    if outcome.status == "matched":
        text = f"matched {outcome.record.doi} ({detail})"
    elif outcome.status == "had-doi":
        text = f"DOI {outcome.record.doi}" + (f": {outcome.message}" if outcome.message else "")
    elif outcome.status == "unmatched":
        text = f"no match: {outcome.message}" + (f" ({detail})" if detail else "")
    else:
        text = f"not looked up: {outcome.message}"
    if outcome.filled:
        text += f"; filled: {', '.join(outcome.filled)}"
    if outcome.conflicts:
        text += f"; conflicts: {', '.join(c.field for c in outcome.conflicts)}"
    return text


def report_outcomes(outcomes: list[Any], prefer: str, explain: bool) -> Any:
    """Conflicts, warnings and failures on stderr (failures once per reason); the summary."""
    from .enrich import ERROR, NOT_CACHED, Summary

    failures: dict[str, list[str]] = {}
    for o in outcomes:
        key = o.record.id or "(no key)"
        if explain:
            click.echo(f"{key}: {_explain(o)}", err=True)
        if o.status in (ERROR, NOT_CACHED):
            failures.setdefault(o.message, []).append(key)
            continue
        if o.message and o.status == "had-doi":
            click.echo(f"Warning: {key}: {o.message}", err=True)
        for c in o.conflicts:
            if c.field == "DOI":
                continue
            kept = "took Crossref's" if prefer == "crossref" else "kept ours; --prefer crossref takes Crossref's"
            click.echo(f"Warning: {key}: {c.field} differs: ours {c.ours!r}, Crossref {c.theirs!r} ({kept})", err=True)
    for message, keys in failures.items():
        names = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        click.echo(f"Warning: {len(keys)} not looked up ({names}): {message}", err=True)
    return Summary.of(outcomes)


def enrich_records(records: list[Record], mailto: str | None, crossref_url: str | None, offline: bool,
                   refresh: bool, prefer: str, explain: bool) -> tuple[list[Record], int]:
    """Enrich records in memory (parse --enrich); returns them and how many lookups failed."""
    from .enrich import enrich

    client = make_client(mailto, crossref_url, offline, refresh)
    outcomes = list(progress(enrich(records, client, prefer == "crossref"), "Crossref", len(records)))
    summary = report_outcomes(outcomes, prefer, explain)
    click.echo(f"Crossref: {summary.line()}", err=True)
    return [o.record for o in outcomes], summary.failed


@cli.command(name="enrich")
@library_option
@crossref_options
@matching_options
@click.option("--dry-run", is_flag=True, help="Write nothing; print the records that would change.")
@output_options
def enrich_(library_path: str, mailto: str | None, crossref_url: str | None, offline: bool, refresh: bool,
            prefer: str, explain: bool, dry_run: bool, fmt: str | None, output: str | None, ascii_only: bool) -> None:
    """Add DOIs and fill missing fields from Crossref.

    Records with a DOI are looked up by it; the others by their reference text, and a
    candidate is taken only when its title (or volume and first page), authors, year and
    journal agree. A field the record already has is never silently replaced: differences
    are reported, and --prefer crossref takes Crossref's. Answers are cached on disk.
    The library is written once, at the end; with --dry-run (or --format, -o) the records
    that change are printed.

    \b
    Examples:
      refmill enrich --library refs.bib --mailto me@uni.edu
      refmill enrich --library refs.bib --dry-run --format jsonl --explain
      refmill enrich --offline
    """
    from .enrich import enrich

    if not Path(library_path).exists():
        raise InputError(f"{library_path}: no such library; create it with `refmill import`")
    records = library.load(library_path)
    if not records:
        click.echo(f"{library_path}: no records to enrich", err=True)
        return
    client = make_client(mailto, crossref_url, offline, refresh)
    outcomes = list(progress(enrich(records, client, prefer == "crossref"), "Crossref", len(records)))
    summary = report_outcomes(outcomes, prefer, explain)
    changed = [o for o in outcomes if o.changed]
    if dry_run or fmt or output:
        emit([o.record for o in changed], fmt, output, ascii_only)
    written = ""
    if changed and not dry_run:
        skipped = _write_back(library_path, records, changed)
        written = f"; {len(changed) - len(skipped)} records updated"
        if skipped:
            click.echo(f"Warning: {library_path}: {', '.join(skipped)} changed during the run and were left as they are; run enrich again", err=True)
    elif dry_run:
        written = "; dry run, nothing written"
    click.echo(f"{library_path}: {summary.line()}{written}", err=True)
    ctx = click.get_current_context()
    if summary.failed and not summary.looked_up:
        click.echo("Error: no record could be looked up", err=True)
        ctx.exit(int(ExitCode.ERROR))
    if summary.failed:
        ctx.exit(int(ExitCode.PARTIAL))


def _write_back(library_path: str, before: list[Record], changed: list[Any]) -> list[str]:
    """Apply the changed records to the library as it is now, once, under the lock; a record
    edited by someone else during the run is left alone (its key is returned)."""
    snapshot = {r.id: r.to_csl() for r in before}
    updates = {o.record.id: o.record for o in changed}
    skipped = []
    with library.locked(library_path):
        current = library.load(library_path)
        for i, rec in enumerate(current):
            if rec.id in updates:
                if rec.to_csl() == snapshot.get(rec.id):
                    current[i] = updates.pop(rec.id)
                else:
                    skipped.append(updates.pop(rec.id).id)
        skipped += list(updates)  # removed during the run
        if len(skipped) < len(changed):
            library.save(library_path, current)
    return skipped


@cli.command()
@click.argument("dois", nargs=-1, type=DoiType(), metavar="DOI...")
@library_option
@crossref_options
def add(dois: tuple[str, ...], library_path: str, mailto: str | None, crossref_url: str | None,
        offline: bool, refresh: bool) -> None:
    """Add works to the library by DOI, with Crossref's metadata.

    \b
    Examples:
      refmill add 10.1182/blood.2023022922 --library refs.bib
      refmill add https://doi.org/10.1038/srep16696 doi:10.1371/journal.pone.0033693
    """
    from .enrich import records_for_dois

    if not dois:
        raise click.UsageError("no DOI given; name one or more, e.g. refmill add 10.1182/blood.2023022922")
    client = make_client(mailto, crossref_url, offline, refresh)
    records, problems = records_for_dois(list(dois), client)
    count = report(problems)
    if records:
        with library.locked(library_path):
            held = library.load(library_path)
            merge = library.add_records(held, records)
            if merge.added:
                library.save(library_path, held)
        for rec in merge.added:
            click.echo(rec.id)
        click.echo(f"{library_path}: {len(merge.added)} added, {len(merge.duplicates)} already there, {len(held)} in all", err=True)
    finish(count, len(records))


# --- formatted bibliographies: format (issue 6) ----------------------------------------------


_BIBLIOGRAPHY_EXTENSIONS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}


@cli.command(name="format")
@click.argument("inputs", nargs=-1, metavar="[FILE...]")
@click.option("-s", "--style", default="vancouver", show_default=True, metavar="NAME",
              help="CSL style: apa, nature, ieee, the-lancet, a journal (blood), an alias "
                   "(vancouver, ama) or a .csl file.")
@click.option("--to", "output_format", type=click.Choice(["text", "html", "markdown"]), default=None,
              help="Output [default: from the -o extension, else text].")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to FILE.")
@click.option("--list-styles", is_flag=True, help="List the style names and exit.")
@library_option
@encoding_option
def format_(inputs: tuple[str, ...], style: str, output_format: str | None, output: str | None,
            list_styles: bool, library_path: str, encoding: str | None) -> None:
    """Format references as a bibliography in a CSL citation style.

    Reads the named files (any format refmill reads), or the library when none is given.
    Numbered styles keep the input order; author-date styles sort as the style says.

    \b
    Examples:
      refmill format --style vancouver
      refmill format --style apa --to html -o refs.html
      refmill format refs.ris --style blood --to markdown
    """
    from .formats import bibliography

    if list_styles:
        click.echo("\n".join(bibliography.style_names()))
        return
    if inputs:
        records, problems = read_records(list(inputs), encoding)
    else:
        if not Path(library_path).exists():
            raise InputError(f"{library_path}: no such library; name input files or create it with `refmill import`")
        records, problems = library.load(library_path), []
    if output_format is None:
        output_format = _BIBLIOGRAPHY_EXTENSIONS.get(Path(output).suffix.lower(), "text") if output else "text"
    text = bibliography.render(records, style, output_format)
    if output:
        library.write_atomic(output, text, backup=False)
    else:
        click.echo(text, nl=False)
    finish(report(problems), len(records))


# --- dedupe (issue 7) ------------------------------------------------------------------------


def _dedupe_table(result: "dedupe.Result", records: list[Record]) -> None:
    from rich.console import Console
    from rich.table import Table

    titles = {r.id: r.title for r in records}
    console = Console()
    table = Table(title=f"{len(result.clusters)} clusters of duplicates", show_lines=True)
    for column in ("keys (* kept)", "score", "reason", "title"):
        table.add_column(column, overflow="fold")
    for c in result.clusters:
        keys = "\n".join(f"* {k}" if k == c.keep else f"  {k}" for k in c.keys)
        table.add_row(keys, f"{c.score:.3f}", c.reason, titles.get(c.keep, ""))
    console.print(table)
    if result.related:
        related = Table(title=f"{len(result.related)} related pairs (not merged)", show_lines=True)
        for column in ("keys", "reason", "title"):
            related.add_column(column, overflow="fold")
        for r in result.related:
            related.add_row("\n".join(r.keys), r.reason, titles.get(r.keys[0], ""))
        console.print(related)


def _read_not_duplicates(path: str | None, encoding: str | None) -> list[list[str]]:
    if not path:
        return []
    source = read_input(path, encoding)
    try:
        return dedupe.read_not_duplicates(source.text)
    except ValueError as exc:
        raise InputError(f"{path}: not a list of not-duplicate keys ({exc})") from None


@cli.command(name="dedupe")
@click.argument("inputs", nargs=-1, metavar="[FILE...]")
@library_option
@click.option("--merge", is_flag=True, help="Merge each cluster into its most complete record.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="With --merge: write the merged records to FILE (format from its extension).")
@click.option("--keys-map", type=click.Path(dir_okay=False), default=None,
              help="With --merge: write a JSON map of every removed key to the key replacing it.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Report format [default: table at a terminal, json otherwise].")
@click.option("--not-duplicates", type=click.Path(dir_okay=False), default=None,
              help="File of keys ruled out as duplicates: one group per line (or JSON), never merged.")
@click.option("--versions", is_flag=True,
              help="Count a preprint and its published version as duplicates (default: report them as related).")
@encoding_option
def dedupe_(inputs: tuple[str, ...], library_path: str, merge: bool, output: str | None, keys_map: str | None,
            fmt: str | None, not_duplicates: str | None, versions: bool, encoding: str | None) -> None:
    """Find duplicate records and say why; with --merge, merge them.

    Reads the library, or the FILEs given (any format refmill reads, mixed). Changes
    nothing unless --merge is given; the library is then rewritten atomically (the old
    one kept as .bak) unless -o names another file.

    \b
    Examples:
      refmill dedupe --library refs.bib
      refmill dedupe pubmed.ris embase.ris --format json
      refmill dedupe --library refs.bib --merge
      refmill dedupe all.ris --merge -o unique.ris --keys-map keys.json
    """
    ctx = click.get_current_context()
    if inputs and ctx.get_parameter_source("library_path") == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("give input files or --library, not both")
    if (output or keys_map) and not merge:
        raise click.UsageError("-o and --keys-map write merged records; add --merge")
    ruled_out = _read_not_duplicates(not_duplicates, encoding)
    count = 0
    if inputs:
        records, problems = read_records(list(inputs), encoding)
        count = report(problems)
        if not records:
            finish(count, 0)
            return
        assign_keys(records)
    elif not Path(library_path).exists():
        raise InputError(f"{library_path}: no such library; name input files or create it with `refmill import`")
    in_place = merge and not inputs and not output
    with library.locked(library_path) if in_place else contextlib.nullcontext():
        if not inputs:
            records = library.load(library_path)
        result = dedupe.find_duplicates(records, ruled_out, versions)
        if merge:
            merged, replaced = dedupe.merge(records, result)
            if in_place:
                if replaced:
                    library.save(library_path, merged)
            elif output:
                emit(merged, None, output)
            else:
                emit(merged, "jsonl", None)
            if keys_map:
                library.write_atomic(keys_map, json.dumps(replaced, indent=2, ensure_ascii=False) + "\n", backup=False)
    removed = sum(len(c.keys) - 1 for c in result.clusters)
    where = ", ".join(inputs) if inputs else library_path
    verb = "merged" if merge else "found"
    click.echo(f"{where}: {len(records)} records, {len(result.clusters)} clusters of duplicates ({removed} "
               f"duplicates {verb}), {len(result.related)} related pairs", err=True)
    if not (merge and inputs and not output):  # stdout is free: show the report
        if (fmt or ("table" if sys.stdout.isatty() else "json")) == "table":
            _dedupe_table(result, records)
        else:
            click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    finish(count, len(records))


# --- search (issue 8) ------------------------------------------------------------------------


def _sort_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from .search import parse_sort

    try:
        parse_sort(value)
    except RefmillError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@cli.command()
@click.argument("query", nargs=-1, metavar="QUERY...")
@library_option
@click.option("--in", "inputs", multiple=True, metavar="FILE",
              help="Search FILE (any format refmill reads; '-' for stdin) instead of the library. Repeatable.")
@click.option("--count", is_flag=True, help="Print only the number of matches.")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N", help="At most N matches (after sorting).")
@click.option("--sort", "sort", default=None, metavar="KEY", callback=_sort_option,
              help="year, author, title or key; '-year' for descending; several as year,title. [default: library order]")
@output_options
@encoding_option
def search(query: tuple[str, ...], library_path: str, inputs: tuple[str, ...], count: bool, limit: int | None,
           sort: str | None, fmt: str | None, output: str | None, ascii_only: bool, encoding: str | None) -> None:
    """Find records by field:value queries; exit 1 if none.

    Terms are ANDed; OR joins two, NOT negates, parentheses group. Values match as case-, accent- and LaTeX-insensitive substrings. Fields: author (a),
    title (t), journal (j), year (y), doi, type, key, publisher, source, or any record field
    by name (volume, pmid, keyword, …). A bare word searches title, authors, journal, year,
    DOI, keywords, abstract and note. year: takes 2017, 2014..2018, >=2015, <2010. ~word
    allows typos. A leading - negates, after -- (so that it is not read as an option).
    An argument with spaces and no query syntax is one phrase: journal:"n engl j med".

    \b
    Examples:
      refmill search author:maude year:2014..2018 CD19
      refmill search 'title:"chimeric antigen"' NOT author:kantarjian --format keys
      refmill search journal:blood OR journal:"n engl j med" --sort -year --format bibtex
      cat other.bib | refmill search --in - leukaemia --count
      refmill search -- -type:book ~gokbugt
    """
    from . import search as core

    text = core.join_args(query)
    if not text:
        raise click.UsageError("no query given; for example: refmill search author:smith year:>=2020")
    problems = 0
    if inputs:
        records, skipped = read_records(list(inputs), encoding)
        problems = report(skipped)
        if not records and problems:
            finish(problems, 0)
        found = core.search_records(text, records, sort, limit)
    else:
        found = core.search_library(text, library_path, sort, limit)
    if not fmt and not (output and formats.format_for_path(output)):
        fmt = config.setting("format")  # as export does
    chosen = _choose_format(fmt, output)
    if count:
        click.echo(len(found))
    elif chosen == "jsonl" and not output:
        click.echo(found.jsonl(), nl=False)  # the index's own lines: no records built
    elif found or chosen not in TERMINAL_FORMATS:
        emit(found.records(), fmt, output, ascii_only)
    if not found:
        click.get_current_context().exit(int(ExitCode.NO_MATCH))
    finish(problems, len(found))


# --- everyday: show, remove, edit, tag, rekey, stats, config (issue 9) -----------------------


def _console() -> Any:
    """A rich Console on stdout for this invocation: colour only at a terminal, NO_COLOR
    and FORCE_COLOR honoured (made per call, so CliRunner captures it)."""
    from rich.console import Console

    return Console()


def progress(items: Iterable[Any], label: str, total: int | None = None) -> Iterator[Any]:
    """Yield `items` with a progress bar on stderr, drawn only at a terminal (never in a
    pipe, CI or a CliRunner test) and only for more than one item. `total` is for
    iterators (results as they come in), whose length is not known in advance."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    total = len(items) if total is None else total  # type: ignore[arg-type]
    if total < 2 or not console.is_terminal:
        yield from items
        return
    with Progress(console=console, transient=True) as bar:
        yield from bar.track(items, total=total, description=label)


def _cards(records: list[Record]) -> None:
    from .render import card

    out = _console()
    for rec in records:
        out.print(card(rec))


def _keys_from_pattern(records: list[Record]) -> None:
    """Key freshly parsed records by the configured citekey pattern (if not the default)."""
    from .citekeys import DEFAULT_PATTERN, rekey

    pattern = config.setting("citekey_pattern")
    if pattern != DEFAULT_PATTERN:
        rekey(records, pattern)


def existing_library(path: str) -> list[Record]:
    if not Path(path).exists():
        raise InputError(f"{path}: no such library; create it with `refmill import`")
    return library.load(path)


def _interactive() -> bool:
    """Can we ask the user? (A script or CI has no terminal on stdin.)"""
    return sys.stdin.isatty()


def complete_keys(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of citation keys from the library named on the line (or configured)."""
    from click.shell_completion import CompletionItem

    try:
        path = ctx.params.get("library_path") or config.setting("library")
    except RefmillError:
        path = library.DEFAULT_LIBRARY
    return [CompletionItem(k) for k in library.keys(path) if k.startswith(incomplete)]


def _read_keys(keys: tuple[str, ...]) -> list[str]:
    """KEY arguments; `-` reads whitespace-separated keys from stdin (`--format keys` output)."""
    out: list[str] = []
    for key in keys:
        out += read_input("-").text.split() if key == "-" else [key]
    if not out:
        raise click.UsageError("no keys given; name entries by their keys, or '-' to read keys from standard input")
    return out


KEYS_ARGUMENT = click.argument("keys", nargs=-1, metavar="KEY...", shell_complete=complete_keys)


@cli.command()
@KEYS_ARGUMENT
@library_option
@output_options
def show(keys: tuple[str, ...], library_path: str, fmt: str | None, output: str | None, ascii_only: bool | None) -> None:
    """Show entries: a readable card at a terminal, any --format.

    At a terminal the default is a card per entry; in a pipe or script it is jsonl.

    \b
    Examples:
      refmill show rampotas2025present
      refmill show rampotas2025present --format bibtex
      refmill search leukemia --format keys | refmill show - --format ris
    """
    wanted = _read_keys(keys)
    records = entries.find(existing_library(library_path), wanted, library_path)
    if not fmt and not output and sys.stdout.isatty():
        fmt = "card"
    emit(records, fmt, output, ascii_only)


@cli.command()
@KEYS_ARGUMENT
@click.option("-y", "--yes", is_flag=True, help="Remove without asking (for scripts).")
@library_option
def remove(keys: tuple[str, ...], yes: bool, library_path: str) -> None:
    """Remove entries from the library, after asking at a terminal.

    Without a terminal, nothing is removed unless --yes is given. Entries that were cited
    by a removed one lose that link. The previous library is kept as <library>.bak.

    \b
    Examples:
      refmill remove malard2020acute
      refmill remove malard2020acute smith2019 --yes
    """
    wanted = _read_keys(keys)
    with library.locked(library_path):
        records = existing_library(library_path)
        doomed = entries.find(records, wanted, library_path)
        if not yes:
            if not _interactive():
                raise InputError(
                    f"not removing {len(doomed)} {'entry' if len(doomed) == 1 else 'entries'} without confirmation:"
                    " there is no terminal to ask; pass --yes"
                )
            for rec in doomed:
                click.echo(f"  {rec.id}: {_one_line(rec)}", err=True)
            question = f"Remove {'this entry' if len(doomed) == 1 else f'these {len(doomed)} entries'} from {library_path}?"
            if not click.confirm(question, default=False, err=True):
                click.echo("Nothing removed.", err=True)
                return
        result = entries.remove(records, wanted)
        library.save(library_path, records)
    click.echo(f"{library_path}: removed {', '.join(r.id for r in result.removed)}; {len(records)} left", err=True)
    if result.unlinked:
        click.echo(
            f"{len(result.unlinked)} {'entry' if len(result.unlinked) == 1 else 'entries'} no longer say which removed"
            f" entry cited them: {', '.join(r.id for r in result.unlinked)}",
            err=True,
        )


def _one_line(rec: Record) -> str:
    people = rec.author or rec.editor
    who = people[0].display() + (" et al." if len(people) > 1 or rec.truncated else "") if people else ""
    return " ".join(p for p in (who, f"({rec.year})" if rec.year else "", rec.title) if p)


def _edit_file(key: str, text: str) -> Path:
    """A copy of the entry in the cache dir, kept until the edit is applied."""
    import tempfile

    folder = config.cache_dir() / "edits"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=re.sub(r"[^\w.-]", "_", key) + "-", suffix=".bib", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(name)


def _run_editor(path: Path) -> str:
    try:
        click.edit(filename=str(path))
    except click.ClickException as exc:
        raise InputError(f"{exc.format_message()}; the entry is kept in {path}") from None
    return path.read_bytes().decode("utf-8", errors="replace")


@cli.command()
@click.argument("key", shell_complete=complete_keys)
@click.option(
    "--from", "from_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
    help="Take the edited entry from FILE instead of opening an editor.",
)
@library_option
def edit(key: str, from_file: str | None, library_path: str) -> None:
    """Edit an entry as BibTeX in your editor, checked on save.

    The editor is $VISUAL, else $EDITOR.
    A broken entry is refused with the reason; at a terminal you can edit it again, and
    otherwise the edit is kept in a file that the message names, so nothing typed is lost.
    Changing the key is allowed if the new key is free.

    \b
    Examples:
      refmill edit rampotas2025present
      EDITOR=nano refmill edit rampotas2025present
      refmill edit rampotas2025present --from fixed.bib
    """
    (rec,) = entries.find(existing_library(library_path), [key], library_path)
    original = entries.as_bibtex(rec)
    kept = None if from_file else _edit_file(key, original)
    while True:
        text = read_input(from_file).text if from_file else _run_editor(kept)
        if text.strip() == original.strip():
            if kept:
                kept.unlink()
            click.echo(f"No changes; {key} left as it was.", err=True)
            return
        try:
            new = entries.read_edit(text, from_file or str(kept))
            break
        except RefmillError as exc:
            if kept and _interactive() and click.confirm(f"{exc}\nEdit again?", default=True, err=True):
                continue
            if kept:
                raise InputError(f"{exc}; your edit is kept in {kept}: fix it there and run `refmill edit {key} --from {kept}`") from None
            raise
    try:
        with library.locked(library_path):
            records = existing_library(library_path)
            (current,) = entries.find(records, [key], library_path)
            if entries.as_bibtex(current) != entries.as_bibtex(rec):
                raise LibraryError(f"{key} was changed in {library_path} by someone else while you edited it")
            renamed = entries.replace(records, key, new)
            library.save(library_path, records)
    except RefmillError as exc:
        if kept:
            raise type(exc)(f"{exc}; your edit is kept in {kept}: run `refmill edit {key} --from {kept}` to apply it") from None
        raise
    done = kept or (Path(from_file) if Path(from_file).parent.resolve() == (config.cache_dir() / "edits").resolve() else None)
    if done:
        done.unlink()  # a kept edit has now been applied
    message = f"{library_path}: {key} updated"
    if renamed:
        message += f" and renamed to {new.id}"
    click.echo(message, err=True)


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, metavar="[KEY...] [+TAG|-TAG]...", shell_complete=complete_keys)
@library_option
def tag(args: tuple[str, ...], library_path: str) -> None:
    """Add (+TAG) or remove (-TAG) tags; list tags.

    Tags are kept in the entries' keywords field.
    With keys and no +/-, print those entries' tags; with nothing, print every tag and how
    many entries have it (tab-separated). A tag that looks like an option of this command
    (-h) goes after `--`.

    \b
    Examples:
      refmill tag rampotas2025present +car-t +review -unread
      refmill tag rampotas2025present
      refmill tag
    """
    keys = [a for a in args if a == "-" or a[:1] not in "+-"]
    add = [entries.check_tag(a[1:]) for a in args if a[:1] == "+"]
    drop = [entries.check_tag(a[1:]) for a in args if a[:1] == "-" and a != "-"]
    if not keys:
        if add or drop:
            raise click.UsageError("name the entries to tag by their keys, e.g. refmill tag smith2020 +review")
        for name, count in entries.tag_counts(existing_library(library_path)).items():
            click.echo(f"{name}\t{count}")
        return
    keys = _read_keys(tuple(keys))
    if not add and not drop:
        for rec in entries.find(existing_library(library_path), keys, library_path):
            click.echo(f"{rec.id}\t{', '.join(entries.tags(rec))}")
        return
    with library.locked(library_path):
        records = existing_library(library_path)
        changes = [(rec, *entries.retag(rec, add, drop)) for rec in entries.find(records, keys, library_path)]
        if any(added or dropped for _, added, dropped in changes):
            library.save(library_path, records)
    for rec, added, dropped in changes:
        missing = [t for t in drop if t not in dropped]
        if missing:
            click.echo(f"Warning: {rec.id} had no tag {', '.join(missing)}", err=True)
        change = " ".join([f"+{t}" for t in added] + [f"-{t}" for t in dropped]) or "no change"
        click.echo(f"{rec.id}: {change} (tags: {', '.join(entries.tags(rec)) or 'none'})", err=True)


@cli.command()
@click.argument("keys", nargs=-1, metavar="[KEY...]", shell_complete=complete_keys)
@click.option(
    "--pattern", default=None, metavar="PATTERN",
    help="Key pattern [default: REFMILL_CITEKEY_PATTERN, else `citekey_pattern` in the config file, "
    "else [auth:lower][year][veryshorttitle:lower]].",
)
@click.option("-n", "--dry-run", is_flag=True, help="Print the old -> new map but change nothing.")
@library_option
def rekey(keys: tuple[str, ...], pattern: str | None, dry_run: bool, library_path: str) -> None:
    """Make new citation keys from a pattern; print old -> new.

    Without keys, every entry is rekeyed; with keys, only those (the others keep theirs).
    Keys two entries would share get a, b, ...; links between entries follow the new keys.

    \b
    Pattern fields (JabRef-style), each with optional :lower, :upper, :capitalize:
      [auth] [authN] [authors] [authorsN] [year] [shortyear]
      [veryshorttitle] [shorttitle] [firstpage]

    \b
    Examples:
      refmill rekey --dry-run
      refmill rekey --pattern '[auth][year]'
      refmill rekey rampotas2025present --pattern '[auth:lower]-[shortyear]'
    """
    from .citekeys import rekey as make_keys

    pattern = config.setting("citekey_pattern", pattern)
    with library.locked(library_path):
        records = existing_library(library_path)
        only = entries.find(records, _read_keys(keys), library_path) if keys else None
        renamed = make_keys(records, pattern, [r.id for r in only] if only is not None else None)
        if renamed and not dry_run:
            library.save(library_path, records)
    for old, new in renamed.items():
        click.echo(f"{old} -> {new}")
    if dry_run:
        click.echo(f"{len(renamed)} {'key' if len(renamed) == 1 else 'keys'} would change; nothing was written (--dry-run)", err=True)
    else:
        click.echo(f"{library_path}: {len(renamed)} {'key' if len(renamed) == 1 else 'keys'} changed", err=True)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: a chart and counts for people; json: every count, for scripts.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many journals and authors the table lists.")
@library_option
def stats(fmt: str, top: int, library_path: str) -> None:
    """Count entries by year, type, journal and author.

    \b
    Examples:
      refmill stats
      refmill stats --top 20
      refmill stats --format json | jq '.years'
    """
    import json

    from .stats import summarize

    result = summarize(existing_library(library_path))
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    from .render import stats_view

    _console().print(stats_view(result, top))


@cli.group(name="config")
def config_group() -> None:
    """Read and change settings in the config file.

    A setting's value comes from the command-line option, else its environment variable,
    else the config file, else the default.

    \b
    Examples:
      refmill config get
      refmill config set mailto you@example.org
      refmill config path
    """


SETTING_NAME = click.argument("name", type=click.Choice(list(config.SETTINGS)), metavar="NAME")


@config_group.command(name="path")
def config_path() -> None:
    """Print where the config file is.

    It is config.toml in REFMILL_CONFIG_DIR, else in the user config dir (which honours
    XDG_CONFIG_HOME).

    \b
    Example:
      $EDITOR "$(refmill config path)"
    """
    click.echo(str(config.config_path()))


@config_group.command(name="get")
@click.argument("name", required=False, type=click.Choice(list(config.SETTINGS)), metavar="[NAME]")
def config_get(name: str | None) -> None:
    """Print a setting, or all settings and where they come from.

    A setting's value is the one in force now (environment, else config file, else default).
    A setting with no value prints nothing and exits 1.

    \b
    Examples:
      refmill config get library
      refmill config get
    """
    import tomli_w

    if name:
        value = config.setting(name)
        if value in (None, ""):
            click.echo(f"{name} is not set", err=True)
            click.get_current_context().exit(int(ExitCode.NO_MATCH))
        click.echo(str(value).lower() if isinstance(value, bool) else str(value))
        return
    for key in config.SETTINGS:
        value, source = config.resolve(key)
        line = tomli_w.dumps({key: value}).strip() if value not in (None, "") else f"# {key} is not set"
        click.echo(f"{line}  # {source}: {config.DESCRIPTIONS.get(key, '')}" if value not in (None, "") else line)


@config_group.command(name="set")
@SETTING_NAME
@click.argument("value")
def config_set(name: str, value: str) -> None:
    """Set a setting in the config file.

    Its environment variable, if set, still overrides it; options override both.

    \b
    Examples:
      refmill config set library ~/papers/refs.bib
      refmill config set citekey_pattern '[auth:lower][year]'
      refmill config set format bibtex
      refmill config set ascii true
    """
    if config.write(name, value):
        click.echo(f"Warning: comments in {config.config_path()} were not kept (the old file is {config.config_path()}.bak)", err=True)
    click.echo(f"{config.config_path()}: {name} set", err=True)
    env = config.SETTINGS[name][0]
    if env and os.environ.get(env):
        click.echo(f"Warning: {env} is set and overrides the config file", err=True)


@config_group.command(name="unset")
@SETTING_NAME
def config_unset(name: str) -> None:
    """Remove a setting from the config file; its default applies again.

    \b
    Example:
      refmill config unset citekey_pattern
    """
    config.write(name, None)
    click.echo(f"{config.config_path()}: {name} unset", err=True)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    It completes commands, options, formats and the citation keys of your library.
    (Click's own way works too: _REFMILL_COMPLETE=bash_source refmill.)

    \b
    Examples:
      eval "$(refmill completion bash)"          # in ~/.bashrc
      eval "$(refmill completion zsh)"           # in ~/.zshrc
      refmill completion fish > ~/.config/fish/completions/refmill.fish
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None  # every choice is a shell click supports
    click.echo(cls(cli, {}, "refmill", "_REFMILL_COMPLETE").source())


def help_pages(width: int = 78) -> Iterator[tuple[str, click.Command, str]]:
    """(command path, command, --help text) for refmill and every command under it, for
    the README's command reference (cog) and the test that every command has help."""

    def walk(ctx: click.Context) -> Iterator[tuple[str, click.Command, str]]:
        yield ctx.command_path, ctx.command, ctx.get_help()
        if isinstance(ctx.command, click.Group):
            for name in ctx.command.list_commands(ctx):
                sub = ctx.command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    yield from walk(click.Context(sub, info_name=name, parent=ctx, **sub.context_settings))

    yield from walk(click.Context(cli, info_name="refmill", terminal_width=width, **cli.context_settings))


def main() -> None:  # pragma: no cover - console entry point
    cli()
