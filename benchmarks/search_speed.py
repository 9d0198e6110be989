#!/usr/bin/env python3
"""Search speed on a large library: index build time and warm whole-process query time.

  python benchmarks/search_speed.py [--n 100000] [--dir DIR] [--runs 5]

Generates a deterministic BibTeX library of --n entries (default 100,000; 39 MB) in
DIR (default: a fresh temporary folder outside the repo), then times, as separate `refmill`
processes (Python start-up and imports included):

  * the first search, which builds the index (target: under 30 s),
  * warm queries on the fresh index, best and median of --runs (target: under 0.3 s).

The entries look like a researcher's library: journal articles with 1-12 authors (some names
with accents, written as LaTeX or as UTF-8), chapters, books, conference papers and theses;
titles with braced acronyms, DOIs, volumes, pages, keywords and some abstracts; a part of
them imported from pasted pages (refmill-source, refmill-raw).
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SYLLABLES = ("an ber bu ca da del de fa ga gen ha hil ja ka kan ko la le li lo ma mar mi mo na ne "
             "no ok pa pe ri ro sa se si so ta te ti to tur va ve vi wa we yo za zu").split()
SURNAMES = ("Smith Müller García Nguyen Kim Wang Rossi Novak Kowalski Johansson Gökbuget O'Brien "
            "Dupont Schmidt Tanaka Patel Andersen Fernández Ivanova Horváth Nørgaard Çelik Łukasz "
            "van der Berg De Angelo Abdul-Hay Kantarjian Maude June Pui Hunger Mullighan").split()
ACCENTED_LATEX = {"Gökbuget": 'G{\\"o}kbuget', "Müller": 'M{\\"u}ller', "García": "Garc{\\'\\i}a",
                  "Fernández": "Fern{\\'a}ndez", "Horváth": "Horv{\\'a}th", "Çelik": "{\\c{C}}elik"}
GIVEN = "A. B. C. D. E. F. G. H. J. K. L. M. N. P. R. S. T. W. Anna Carl Maria José Hervé Jürgen Li Wei".split()
WORDS = ("acute lymphoblastic leukemia leukaemia lymphoma myeloma chimeric antigen receptor therapy "
         "outcomes patients children adults relapsed refractory transplantation allogeneic stem cell "
         "randomized trial phase cohort study analysis survival risk response remission minimal residual "
         "disease genomic landscape mutations expression immune toxicity cytokine release syndrome "
         "neurotoxicity efficacy safety long-term follow-up real-world prognostic model treatment "
         "induction consolidation maintenance chemotherapy targeted inhibitor antibody bispecific "
         "engager infusion manufacturing persistence exhaustion resistance mechanisms review update "
         "guidelines consensus recommendations management diagnosis classification incidence mortality "
         "population registry multicenter retrospective prospective single-center meta-analysis "
         "systematic pediatric elderly frontline salvage marrow blood peripheral neurological cardiac "
         "infection prophylaxis vaccination quality life cost effectiveness modelling simulation").split()
ACRONYMS = "CAR CD19 CD22 B-ALL T-ALL MRD CRS HSCT BCR-ABL1 TKI FDA NGS".split()
JOURNALS = [
    ("Blood", "Blood"), ("New England Journal of Medicine", "N Engl J Med"), ("The Lancet", "Lancet"),
    ("Journal of Clinical Oncology", "J Clin Oncol"), ("Leukemia", "Leukemia"),
    ("Blood Advances", "Blood Adv"), ("Haematologica", "Haematologica"),
    ("British Journal of Haematology", "Br J Haematol"), ("Nature Medicine", "Nat Med"),
    ("Cancer", "Cancer"), ("Transfusion and Apheresis Science", "Transfus Apher Sci"),
    ("Blood Cancer Journal", "Blood Cancer J"), ("Journal of Hematology & Oncology", "J Hematol Oncol"),
    ("Frontiers in Immunology", "Front Immunol"), ("Cancers", "Cancers (Basel)"),
    ("Bone Marrow Transplantation", "Bone Marrow Transplant"), ("Nature", "Nature"),
    ("Science Translational Medicine", "Sci Transl Med"), ("Cell", "Cell"),
    ("Journal of Immunotherapy", "J Immunother"),
] + [(f"Journal of {w.capitalize()} Research", f"J {w[:5].capitalize()} Res") for w in WORDS[:60]]
DOI_PREFIXES = {"Blood": "10.1182", "Blood Advances": "10.1182", "New England Journal of Medicine": "10.1056",
                "The Lancet": "10.1016", "Journal of Clinical Oncology": "10.1200", "Leukemia": "10.1038",
                "Nature Medicine": "10.1038", "Nature": "10.1038", "Haematologica": "10.3324"}
OTHER_PREFIXES = ["10.1016", "10.1007", "10.1111", "10.3389", "10.1002", "10.1093"]
PUBLISHERS = ["Springer", "Elsevier", "Oxford University Press", "Wiley-Blackwell", "CRC Press", "Academic Press"]


def _surname(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(SURNAMES)
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _person(rng: random.Random) -> str:
    family = _surname(rng)
    if family in ACCENTED_LATEX and rng.random() < 0.5:
        family = ACCENTED_LATEX[family]
    if " " in family and not family.startswith(("van", "De")):
        family = "{" + family + "}"
    given = rng.choice(GIVEN)
    if rng.random() < 0.3:
        given += " " + rng.choice(GIVEN[:20])
    return f"{family}, {given}"


def _title(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 10))]
    for _ in range(rng.randint(0, 2)):
        words.insert(rng.randrange(len(words)), "{" + rng.choice(ACRONYMS) + "}")
    words[0] = words[0].capitalize()
    return " ".join(words)


def entry(i: int, rng: random.Random) -> str:
    kind = rng.choices(["article", "incollection", "book", "inproceedings", "phdthesis"], [85, 5, 3, 5, 2])[0]
    year = rng.randint(1960, 2025) if rng.random() < 0.2 else rng.randint(2000, 2025)
    people = [_person(rng) for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10)))]
    author = " and ".join(people) + (" and others" if rng.random() < 0.1 else "")
    first = people[0].split(",")[0].strip("{}").replace(" ", "").lower()
    first = "".join(c for c in first if c.isalpha())
    fields = [("author", author), ("title", _title(rng))]
    journal, short = rng.choice(JOURNALS)
    if kind == "article":
        fields += [("journal", journal.replace("&", "\\&"))]
        if rng.random() < 0.2:
            fields.append(("shortjournal", short))
        fields.append(("volume", str(rng.randint(1, 400))))
        if rng.random() < 0.6:
            fields.append(("number", str(rng.randint(1, 24))))
        start = rng.randint(1, 9000)
        fields.append(("pages", f"{start}--{start + rng.randint(2, 20)}" if rng.random() < 0.8 else f"e{start}"))
    elif kind in ("incollection", "inproceedings"):
        fields.append(("booktitle", "Proceedings of the " + _title(rng) if kind == "inproceedings" else _title(rng)))
        if kind == "incollection":
            fields.append(("editor", " and ".join(_person(rng) for _ in range(rng.randint(1, 3)))))
        fields.append(("publisher", rng.choice(PUBLISHERS)))
    elif kind == "book":
        fields += [("publisher", rng.choice(PUBLISHERS)), ("address", "Berlin"), ("isbn", f"978-3-{rng.randint(100, 999)}-{rng.randint(10000, 99999)}-{rng.randint(0, 9)}")]
    else:
        fields.append(("school", f"University of {_surname(rng)}"))
    fields.append(("year", str(year)))
    if rng.random() < 0.9:
        prefix = DOI_PREFIXES.get(journal) if kind == "article" else None
        fields.append(("doi", f"{prefix or rng.choice(OTHER_PREFIXES)}/{first[:6]}.{year}.{i:06d}"))
    if rng.random() < 0.25:
        fields.append(("pmid", str(rng.randint(10_000_000, 39_999_999))))
    if rng.random() < 0.12:
        fields.append(("keywords", ", ".join(rng.sample(WORDS, 4))))
    if rng.random() < 0.015:
        fields.append(("abstract", " ".join(rng.choice(WORDS) for _ in range(rng.randint(60, 160))).capitalize() + "."))
    if rng.random() < 0.05:
        fields.append(("note", "Epub ahead of print"))
    if rng.random() < 0.2:
        fields += [("refmill-line", str(rng.randint(1, 400))), ("refmill-source", f"data/page-{rng.randint(1, 300):03d}.txt")]
    key = f"{first}{year}x{i}"
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def generate(path: Path, n: int, seed: int = 8) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            out.write(entry(i, rng))
            out.write("\n")


# As a shell passes them: journal:"n engl j med" arrives as one argument without the quotes.
QUERIES = [
    ["author:maude", "year:2014..2018", "CD19"],
    ['title:"chimeric antigen"', "NOT", "author:kantarjian", "--format", "keys"],
    ["journal:blood", "OR", "journal:n engl j med", "--sort", "year", "--count"],
    ["journal:blood", "OR", "journal:n engl j med", "--sort", "year"],  # JSON lines, as in a pipe
    ["journal:blood", "OR", "journal:n engl j med", "--sort", "year", "--format", "bibtex"],
    ["author:gokbuget", "--count"],
    ["~kantarjan", "--count"],
    ["doi:10.1056/", "year:2015", "--format", "keys"],
    ["leukaemia", "year:>=2020", "--sort", "-year", "--limit", "20", "--format", "bibtex"],
    ["volume:12", "year:<2000", "--count"],
]


def refmill(args: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall seconds, CPU seconds, process) of one `refmill search` run."""
    exe = shutil.which("refmill", path=str(Path(sys.executable).parent)) or "refmill"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([exe, "search", *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        sys.exit(f"refmill search {' '.join(args)} failed: {proc.stderr}")
    return wall, cpu, proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, default=None, help="where to write the library (default: a temp folder)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="refmill-search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    lib = work / "big.bib"
    env = {**os.environ, "REFMILL_CACHE_DIR": str(work / "cache"), "REFMILL_LIBRARY": str(lib)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # time refmill as installed: with cached bytecode
    if not lib.exists():
        start = time.perf_counter()
        generate(lib, args.n)
        print(f"generated {lib}: {args.n:,} entries, {lib.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shutil.rmtree(work / "cache", ignore_errors=True)
    wall, cpu, _ = refmill(["author:maude", "--count"], env)
    index = next((work / "cache" / "index").iterdir())
    print(f"index build (first search, whole process): {wall:.1f} s wall, {cpu:.1f} s CPU in all processes, "
          f"index {index.stat().st_size / 1e6:.0f} MB  [target < 30 s]")
    print(f"warm queries, {args.runs} runs each: best / median wall, best CPU  [target < 0.3 s]")
    for query in QUERIES:
        runs = [refmill(query, env) for _ in range(args.runs)]
        walls = [w for w, _, _ in runs]
        proc = runs[-1][2]
        hits = f"{proc.stdout.strip()} matches" if "--count" in query else f"{proc.stdout.count(chr(10)):,} lines out"
        shown = shlex.join(query)
        print(f"  {min(walls):.3f} / {statistics.median(walls):.3f} s, CPU {min(c for _, c, _ in runs):.3f} s"
              f"  refmill search {shown}  -> {hits}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.dir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
