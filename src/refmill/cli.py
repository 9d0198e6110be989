"""The command line: options, streams, rendering and exit codes. No logic lives here."""
from __future__ import annotations

import functools
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable

import click

from . import __version__, formats, library
from .errors import ExitCode, InputError, Problem, RefmillError
from .inputs import expand, read_input
from .model import Record

OUTPUT_FORMATS = ["bibtex", "ris", "csl-json", "jsonl", "keys", "table"]


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
        default=library.DEFAULT_LIBRARY,
        show_default=True,
        type=click.Path(dir_okay=False),
        help="The library file (or REFMILL_LIBRARY).",
    )(f)


def encoding_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--encoding", default=None, metavar="NAME", help="Encoding of input files without a BOM (default UTF-8)."
    )(f)


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--ascii", "ascii_only", is_flag=True, help="BibTeX with LaTeX accents instead of UTF-8."
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
        return fmt
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


def emit(records: list[Record], fmt: str | None, output: str | None, ascii_only: bool = False) -> None:
    """Write records to stdout or `output` in the chosen format."""
    fmt = _choose_format(fmt, output)
    if fmt == "table":
        if output:
            raise click.UsageError("--format table prints to the terminal; choose another format for -o")
        _table(records)
        return
    text = formats.write(records, fmt, ascii_only=ascii_only) if fmt == "bibtex" else formats.write(records, fmt)
    if output:
        library.write_atomic(output, text, backup=False)
    else:
        click.echo(text, nl=False)


def report(problems: Iterable[Problem]) -> int:
    """Name every skipped or doubtful item on stderr; return how many there were."""
    count = 0
    for problem in problems:
        click.echo(f"Warning: {problem}", err=True)
        count += 1
    return count


def read_records(
    paths: list[str], encoding: str | None, fmt: str | None = None
) -> tuple[list[Record], list[Problem]]:
    """Read every input (directories expanded) in its own format."""
    records: list[Record] = []
    problems: list[Problem] = []
    for name in expand(list(paths)):
        source = read_input(name, encoding)
        if not source.text.strip():
            problems.append(Problem(name, None, "empty input"))
            continue
        recs, probs = formats.read(source.text, name, fmt)
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
    """Add references from pasted pages, BibTeX, RIS or CSL-JSON to the library.

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

    \b
    Examples:
      refmill export --format csl-json -o refs.json
      refmill export --format ris > refs.ris
    """
    if not Path(library_path).exists():
        raise InputError(f"{library_path}: no such library; create it with `refmill import`")
    records = library.load(library_path)
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


def _progress(total: int) -> Any:
    """A rich progress bar on stderr at a terminal; otherwise nothing."""
    import contextlib

    if total < 2 or not sys.stderr.isatty():
        return contextlib.nullcontext(lambda outcome: None)
    from rich.console import Console
    from rich.progress import Progress

    @contextlib.contextmanager
    def bar() -> Any:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("Crossref", total=total)
            yield lambda outcome: progress.advance(task)

    return bar()


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
    with _progress(len(records)) as advance:
        outcomes = enrich(records, client, prefer == "crossref", on_done=advance)
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
    """Find the DOI of every record and fill missing fields from Crossref.

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
    with _progress(len(records)) as advance:
        outcomes = enrich(records, client, prefer == "crossref", on_done=advance)
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


# --- dedupe (issue 7) ------------------------------------------------------------------------


# --- search (issue 8) ------------------------------------------------------------------------


# --- everyday: show, remove, edit, tag, rekey, stats, config (issue 9) -----------------------


def main() -> None:  # pragma: no cover - console entry point
    cli()
