"""The command line: options, streams, rendering and exit codes. No logic lives here."""
from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable

import click

from . import __version__, dedupe, formats, library
from .errors import ExitCode, InputError, Problem, RefmillError
from .inputs import expand, read_input
from .model import Record, assign_keys

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
def parse(inputs: tuple[str, ...], one_per_line: bool, fmt: str | None, output: str | None,
          ascii_only: bool, encoding: str | None) -> None:
    """Parse pasted reference lists into records.

    \b
    Examples:
      refmill parse page.txt --format bibtex
      pbpaste | refmill parse - --format ris > refs.ris
      refmill parse --one-per-line refs.txt --format jsonl
    """
    require_inputs(inputs)
    records, problems = read_records(list(inputs), encoding, "lines" if one_per_line else "text")
    emit(records, fmt, output, ascii_only)
    finish(report(problems), len(records))


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


# --- formatted bibliographies: format (issue 6) ----------------------------------------------


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


# --- everyday: show, remove, edit, tag, rekey, stats, config (issue 9) -----------------------


def main() -> None:  # pragma: no cover - console entry point
    cli()
