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

OUTPUT_FORMATS = ["bibtex", "biblatex", "ris", "medline", "csl-json", "jsonl", "keys", "table"]


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
        "--ascii", "ascii_only", is_flag=True, help="BibTeX/BibLaTeX with LaTeX accents instead of UTF-8."
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
    text = formats.write(records, fmt, ascii_only=ascii_only)
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
    """Format references as a bibliography in a citation style (via citeproc-py).

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


# --- search (issue 8) ------------------------------------------------------------------------


# --- everyday: show, remove, edit, tag, rekey, stats, config (issue 9) -----------------------


def main() -> None:  # pragma: no cover - console entry point
    cli()
