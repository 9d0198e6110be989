"""Dedupe speed and memory on a generated library with realistic duplicates.

Usage:
    .venv/bin/python benchmarks/dedupe_speed.py [N ...] [--cli] [--seed S]

Each size runs in a fresh process (so peak memory is that size's own). The generated set
mimics merged database exports: about 20% of works appear two to four times, with the
variations real exports show (case, punctuation, "[translated title]", trailing period,
abbreviated journals, initials vs full names, "1485-97" pages, DOIs as URLs or missing,
fields left out, a typo), plus hard non-duplicates: errata, replies, Part I/II, series of
same-titled editorials, and the same abstract in consecutive years. It also reports how the
clusters compare with the generated truth. `--cli` times the whole command instead:
`refmill dedupe FILE.ris --format json`, reading included.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from refmill.model import Date, Name, Record

ROOT = Path(__file__).resolve().parent.parent
SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "to", "su", "ve", "da", "gi", "ber", "son", "han", "wel",
             "mar", "tin", "ler", "sch", "ov", "ez", "ar", "el", "us", "an", "ni", "co", "pe", "qu"]


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


class World:
    """Vocabulary, people and journals with Zipf-like frequencies, as in real libraries."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = [_word(rng, rng.randint(2, 4)) for _ in range(6000)]
        self.common = ["the", "of", "in", "and", "with", "for", "a", "patients", "study", "effect",
                       "treatment", "randomized", "trial", "after", "outcomes", "analysis", "review"]
        self.families = [_word(rng, rng.randint(2, 3)).capitalize() for _ in range(8000)]
        self.givens = [_word(rng, 2).capitalize() for _ in range(600)]
        self.journals = []
        for _ in range(700):
            words = [_word(rng, rng.randint(2, 4)).capitalize() for _ in range(rng.randint(1, 4))]
            full = "Journal of " + " ".join(words) if rng.random() < 0.5 else " ".join(words)
            abbr = " ".join(w[: rng.randint(3, 5)] for w in full.split() if w.lower() != "of")
            self.journals.append((full, abbr, f"10.{rng.randint(1000, 9999)}"))

    def zipf(self, items: list, s: float = 1.1):
        n = len(items)
        i = int(n ** self.rng.random() ** s) - 1
        return items[max(0, min(n - 1, i))]

    def work(self, i: int) -> Record:
        rng = self.rng
        words = [self.zipf(self.words) if rng.random() < 0.7 else rng.choice(self.common)
                 for _ in range(rng.randint(5, 16))]
        title = " ".join(words).capitalize()
        if rng.random() < 0.3:
            title += ": " + " ".join(self.zipf(self.words) for _ in range(rng.randint(2, 6)))
        authors = [Name(family=self.zipf(self.families), given=f"{rng.choice(self.givens)} {rng.choice(string.ascii_uppercase)}.")
                   for _ in range(rng.randint(1, 8))]
        full, abbr, prefix = self.zipf(self.journals)
        year = rng.randint(1990, 2024)
        first = rng.randint(1, 3000)
        rec = Record(id=f"w{i}", author=authors, issued=Date(year, rng.randint(1, 12)))
        rec.set("title", title)
        rec.set("container-title", full)
        rec.set("container-title-short", abbr)
        rec.set("volume", str(year - 1980 + rng.randint(0, 3)))
        rec.set("issue", str(rng.randint(1, 12)))
        rec.set("page", f"{first}-{first + rng.randint(2, 20)}")
        if rng.random() < 0.7:
            rec.set("DOI", f"{prefix}/j.{rng.randint(10**6, 10**7)}")
        return rec


def variant(rng: random.Random, rec: Record, key: str) -> Record:
    """The same work as another database exports it."""
    out = Record(id=key, type=rec.type, fields=dict(rec.fields), author=[Name(**vars(n)) for n in rec.author],
                 issued=Date(rec.issued.year) if rec.issued else None)
    title = out.title
    r = rng.random()
    if r < 0.2:
        title = title.upper() if rng.random() < 0.3 else title.title()
    elif r < 0.3:
        title = f"[{title}]"
    elif r < 0.45:
        title += "."
    elif r < 0.55 and len(title) > 30:
        i = rng.randrange(5, len(title) - 5)
        title = title[:i] + title[i + 1:]  # a dropped letter
    out.set("title", title)
    if rng.random() < 0.5:
        for n in out.author:
            n.given = " ".join(p[0] + "." for p in n.given.split())
    if rng.random() < 0.3:
        out.author = out.author[:3]
        out.custom["truncated"] = True
    if rng.random() < 0.5:
        out.set("container-title", out.get("container-title-short"))
    page = out.get("page")
    if page and rng.random() < 0.4:
        first, last = page.split("-")
        common = len(first) - len(last) if len(last) < len(first) else 0
        if len(first) == len(last) and first[:-2] == last[:-2]:
            out.set("page", f"{first}-{last[-2:]}")
    doi = out.doi
    if doi:
        r = rng.random()
        if r < 0.3:
            out.set("DOI", "")
        elif r < 0.5:
            out.set("DOI", "https://doi.org/" + doi.upper())
    for name in ("issue", "volume", "container-title-short"):
        if rng.random() < 0.15:
            out.set(name, "")
    return out


def hard_negative(rng: random.Random, rec: Record, key: str, world: World) -> Record:
    """A different work that looks like `rec`: erratum, reply, next part, next year's abstract."""
    out = variant(rng, rec, key)
    out.set("DOI", "")
    kind = rng.randrange(4)
    first = int(rec.get("page").split("-")[0])
    if kind == 0:
        out.set("title", "Erratum: " + rec.title)
        out.set("page", str(first + 400))
    elif kind == 1:
        out.set("title", "Reply to: " + rec.title)
        out.author = [Name(family=world.zipf(world.families), given="A.")]
        out.set("page", str(first + 9))
    elif kind == 2:
        out.set("title", rec.title + " Part II")
        out.set("page", f"{first + 30}-{first + 41}")
    else:
        out.issued = Date(rec.year + 1)
        out.set("volume", str(int(rec.get("volume") or 1) + 1))
        out.set("page", str(first % 400 + 1))
    return out


def generate(n: int, seed: int = 7) -> tuple[list[Record], dict[str, str]]:
    """About `n` records and their true clusters (record key -> work id)."""
    rng = random.Random(seed)
    world = World(rng)
    records: list[Record] = []
    truth: dict[str, str] = {}
    i = 0
    while len(records) < n:
        work = world.work(i)
        group = [work]
        r = rng.random()
        if r < 0.2:
            group += [variant(rng, work, f"{work.id}v{k}") for k in range(rng.randint(1, 3))]
        for rec in group:
            truth[rec.id] = work.id
        records += group
        if rng.random() < 0.03:
            neg = hard_negative(rng, work, f"{work.id}x", world)
            truth[neg.id] = neg.id
            records.append(neg)
        i += 1
    records = records[:n]
    rng.shuffle(records)
    return records, {r.id: truth[r.id] for r in records}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_core(n: int, seed: int) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from dedupe_accuracy import score

    from refmill import dedupe

    records, truth = generate(n, seed)
    start, cpu = time.perf_counter(), time.process_time()
    result = dedupe.find_duplicates(records)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    s = score(records, truth, result)
    return {"n": n, "seconds": round(elapsed, 2), "cpu": round(cpu, 2), "peak_rss_mb": round(peak_rss_mb()), "clusters": len(result.clusters),
            "sensitivity": round(s["sensitivity"], 4), "wrong_merges": s["fp"]}


def run_cli(n: int, seed: int) -> dict:
    from refmill.formats import ris

    records, _ = generate(n, seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "all.ris"
        path.write_text(ris.write(records), encoding="utf-8")
        cmd = [sys.executable, "-c",
               "import resource, sys; from refmill.cli import cli\n"
               "try:\n    cli()\nexcept SystemExit:\n    pass\n"
               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
               "dedupe", str(path), "--format", "json"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if proc.returncode not in (0,):
        raise SystemExit(proc.stderr)
    clusters = len(json.loads(proc.stdout)["clusters"])
    rss = int(proc.stderr.strip().splitlines()[-1]) / 1024
    return {"n": n, "seconds": round(elapsed, 2), "cpu": round(cpu, 2), "peak_rss_mb": round(rss), "clusters": clusters}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000, 50_000])
    ap.add_argument("--cli", action="store_true", help="time `refmill dedupe FILE.ris --format json`")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps((run_cli if args.cli else run_core)(args.one, args.seed)))
        return 0
    what = "`refmill dedupe FILE.ris --format json` (reading included)" if args.cli else "`dedupe.find_duplicates`"
    print(f"{what}, seed {args.seed}")
    if args.cli:
        print("| records | time (s) | CPU (s) | peak RSS (MB) | clusters |")
        print("|---:|---:|---:|---:|---:|")
    else:
        print("| records | time (s) | CPU (s) | peak RSS (MB) | clusters | sensitivity | wrong merges |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)] + (["--cli"] if args.cli else [])
        row = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        cells = [f"{row['n']:,}", f"{row['seconds']:.2f}", f"{row['cpu']:.2f}", str(row["peak_rss_mb"]),
                 f"{row['clusters']:,}"]
        if not args.cli:
            cells += [f"{row['sensitivity']:.4f}", str(row["wrong_merges"])]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
