"""Accuracy of refmill's Crossref matcher: accept/reject decisions, precision and recall.

Offline (the default) it scores what is recorded in ../shared/data/crossref-fixtures/:

1. `query-bibliographic/`: the four candidate lists from Crossref's own matcher tests, each
   with the reference that was queried and the expected outcome (two matches, two traps),
   plus the recorded zero-result list and the recorded list for the bare query "fish".
2. The recorded works (`works/`, real metadata): each rendered as a reference string in
   three citation styles (Vancouver, APA, IEEE), then validated against a candidate list
   holding that work and every other recorded work. Variants: one of volume, first page or
   year wrong (a citation error: the reference still names the work, as Crossref's gold
   set counts it); two of them different (another work with the same title, like the trap
   in Crossref's matcher tests: the work stays first in the list and must be rejected);
   and the work missing from the list (nothing may be accepted). The strings are rendered
   by this script from real metadata; they are not real citations.
3. The "matching-gold" set (2,000 real reference strings with their true DOIs): each string
   validated against the 14 recorded works, real candidates that are (all but never) other
   works, so that any acceptance is a false match. The set also holds the DOI Crossref's own
   matcher (SBMV) chose for each string; its precision and recall are printed as the
   reference point.

Live, it runs the whole enrichment (query.bibliographic, then validation) on the 2,000 real
reference strings and scores the DOIs against the gold ones. That needs the network, which
the development machines here do not have:

    .venv/bin/python benchmarks/match_accuracy.py --live --mailto you@example.org [--limit 200]

Answers are cached (REFMILL_CACHE_DIR), so a second live run sends no request. Targets:
precision >= 0.99 and recall >= 0.95.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from refmill.crossref import to_work  # noqa: E402
from refmill.enrich import MATCHED, UNMATCHED, best_match, enrich  # noqa: E402
from refmill.match import first_page  # noqa: E402
from refmill.model import Date, Name, Record, doi_key  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "data" / "crossref-fixtures"


@dataclass
class Score:
    """Decisions against expectations (expected None = must reject)."""

    tp: int = 0  # accepted the right DOI
    wrong: int = 0  # accepted a wrong DOI where a right one existed
    fp: int = 0  # accepted something where nothing should be
    fn: int = 0  # rejected although the right DOI was there
    tn: int = 0  # rightly rejected
    misses: list[str] = field(default_factory=list)

    def add(self, got: str | None, expected: str | list[str] | None, label: str) -> None:
        """`expected` may list several DOIs of one work (aliases): any of them is right."""
        got = doi_key(got or "") or None
        accepted = {doi_key(e) for e in (expected if isinstance(expected, list) else [expected]) if e}
        expected = sorted(accepted)[0] if accepted else None
        if expected and got in accepted:
            self.tp += 1
        elif expected and got:
            self.wrong += 1
            self.misses.append(f"WRONG  {label}: {got} (expected {expected})")
        elif expected:
            self.fn += 1
            self.misses.append(f"MISSED {label}")
        elif got:
            self.fp += 1
            self.misses.append(f"FALSE  {label}: accepted {got}")
        else:
            self.tn += 1

    @property
    def total(self) -> int:
        return self.tp + self.wrong + self.fp + self.fn + self.tn

    def precision(self) -> float:
        accepted = self.tp + self.wrong + self.fp
        return self.tp / accepted if accepted else 1.0

    def recall(self) -> float:
        should = self.tp + self.wrong + self.fn
        return self.tp / should if should else 1.0

    def line(self, name: str) -> str:
        return (f"| {name} | {self.total} | {self.tp} | {self.tn} | {self.wrong + self.fp} | {self.fn} "
                f"| {self.precision():.3f} | {self.recall():.3f} |")


def _items(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["message"]["items"]


def recorded_lists() -> Score:
    index = {e["file"]: e for e in json.loads((FIXTURES / "index.json").read_text())}
    score = Score()
    for name, entry in sorted(index.items()):
        if not name.startswith("query-bibliographic/"):
            continue
        ref = entry["request"]["reference"]
        if ref.startswith("{"):
            fields = json.loads(ref)
            rec = Record(author=[Name(family=fields["author"])], issued=Date(int(fields["year"])))
            for key, csl in (("volume", "volume"), ("first-page", "page"), ("journal-title", "container-title")):
                rec.set(csl, fields.get(key))
        else:
            rec = Record(type="article", custom={"raw": ref})
        work, _ = best_match(rec, [to_work(i) for i in _items(FIXTURES / name)])
        score.add(work.doi if work else None, entry["request"]["expected_doi"], name)
    fish = FIXTURES / "lists" / "journals-2167-8359-works_query.bibliographic-fish_filter-type-journal-article.json"
    work, _ = best_match(Record(custom={"raw": "fish"}), [to_work(i) for i in _items(fish)])
    score.add(work.doi if work else None, None, "lists/…query.bibliographic-fish (not a reference)")
    work, _ = best_match(Record(custom={"raw": "adfaaf"}), [to_work(i) for i in _items(FIXTURES / "lists" / "works_query-adfaaf_zero-results.json")])
    score.add(work.doi if work else None, None, "lists/works_query-adfaaf_zero-results")
    return score


# --- references rendered from the recorded works ---------------------------------------------------


def _initials(name: Name) -> str:
    return "".join(p[0] for p in name.given.replace("-", " ").split() if p[:1].isalpha())


def render(rec: Record, style: str, volume: str, page: str, year: int | None) -> str:
    people = rec.author[:6]
    journal = rec.get("container-title-short") or rec.get("container-title")
    issue = rec.get("issue")
    if style == "vancouver":
        names = ", ".join(f"{n.full_family} {_initials(n)}".strip() for n in people)
        if len(rec.author) > 6:
            names += ", et al"
        where = f"{year or ''}" + (f";{volume}" if volume else "") + (f"({issue})" if issue and volume else "") + (f":{page}" if page else "")
        return f"{names}. {rec.title}. {journal}. {where}."
    if style == "apa":
        names = ", ".join(f"{n.full_family}, {'. '.join(_initials(n))}." if n.given else n.full_family for n in people)
        where = (f", {volume}" if volume else "") + (f"({issue})" if issue and volume else "") + (f", {page}" if page else "")
        return f"{names} ({year or 'n.d.'}). {rec.title}. {rec.get('container-title')}{where}."
    names = ", ".join(f"{'. '.join(_initials(n))}. {n.full_family}" if n.given else n.full_family for n in people)
    parts = [f'{names}, "{rec.title}," {rec.get("container-title")}']
    if volume:
        parts.append(f"vol. {volume}")
    if issue:
        parts.append(f"no. {issue}")
    if page:
        parts.append(f"pp. {page.replace('-', '–')}")
    if year:
        parts.append(str(year))
    return ", ".join(parts) + "."


def _bump(value: str, by: int) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return value.replace(digits, str(int(digits) + by), 1) if digits else value


def recorded_works() -> Score:
    works = [to_work(json.loads(p.read_text(encoding="utf-8"))["message"]) for p in sorted((FIXTURES / "works").glob("*.json"))]
    score = Score()
    for work in works:
        rec = work.record
        if not rec.title or not (rec.author or rec.editor):
            continue
        others = [w for w in works if w is not work]
        volume, page, year = rec.get("volume"), rec.get("page"), rec.year
        for style in ("vancouver", "apa", "ieee"):
            label = f"{work.doi} {style}"
            text = render(rec, style, volume, page, year)
            candidates = [work] + others
            got, _ = best_match(Record(custom={"raw": text}), candidates)
            score.add(got.doi if got else None, work.doi, f"{label}: {text}")
            got, _ = best_match(Record(custom={"raw": text}), others)
            score.add(got.doi if got else None, None, f"{label} (true work absent): {text}")
            moved_page = "-".join(_bump(p, 40) for p in page.split("-")) if page and first_page(page) else ""
            typo_page = "-".join([_bump(page.split("-")[0], 40)] + page.split("-")[1:]) if moved_page else ""
            changes = {"volume": (_bump(volume, 3), page, year) if volume else None,
                       "first page": (volume, typo_page, year) if moved_page else None,
                       "year": (volume, page, year - 3) if year else None}
            # one wrong number: a citation error; the reference still names this work
            for what, change in changes.items():
                if change:
                    typo = render(rec, style, *change)
                    got, _ = best_match(Record(custom={"raw": typo}), candidates)
                    score.add(got.doi if got else None, work.doi, f"{label} ({what} wrong): {typo}")
            # two wrong numbers: another work with this title (an erratum, a reprint, another
            # edition), like the trap in Crossref's matcher tests; the work itself stays first
            pairs = [("volume", "first page"), ("first page", "year"), ("volume", "year")]
            for a, b in pairs:
                if changes[a] and changes[b]:
                    v = changes["volume"][0] if "volume" in (a, b) else volume
                    pg = moved_page if "first page" in (a, b) else page
                    y = year - 3 if "year" in (a, b) else year
                    trap = render(rec, style, v, pg, y)
                    got, _ = best_match(Record(custom={"raw": trap}), candidates)
                    score.add(got.doi if got else None, None, f"{label} trap ({a} and {b} differ): {trap}")
    return score


def gold_against_recorded_works() -> Score:
    """The 2,000 real reference strings, each validated against the 14 recorded works as
    candidates: a real string with unrelated but real candidates, so every acceptance is
    wrong unless the gold DOI is among them."""
    works = [to_work(json.loads(p.read_text(encoding="utf-8"))["message"]) for p in sorted((FIXTURES / "works").glob("*.json"))]
    held = {doi_key(w.doi) for w in works}
    data = json.loads((FIXTURES / "matching-gold" / "crossref-2000-real-unstructured-refs.json").read_text())["dataset"]
    score = Score()
    for row in data:
        gold = row["target_gt"]["DOI"]
        golds = gold if isinstance(gold, list) else [gold] if gold else []
        expected = next((g for g in golds if doi_key(g) in held), None)
        work, _ = best_match(Record(custom={"raw": row["ref_string"]}), works)
        score.add(work.doi if work else None, expected, row["ref_string"][:100])
    return score


def sbmv_reference(threshold: float | None) -> Score:
    """Crossref's own matcher on the gold set, from what it recorded there: its top
    candidate (target_test) and that candidate's validation similarity (score). The
    recording kept every top candidate ("minimum candidate similarity -1"); Crossref's
    published matcher accepts from 0.34 on."""
    data = json.loads((FIXTURES / "matching-gold" / "crossref-2000-real-unstructured-refs.json").read_text())["dataset"]
    score = Score()
    for row in data:
        test = row["target_test"]["DOI"]
        if threshold is not None and (row.get("score") is None or row["score"] < threshold):
            test = None
        score.add(test, row["target_gt"]["DOI"], row["ref_string"][:80])
    return score


# --- live --------------------------------------------------------------------------------------------


def live(args: argparse.Namespace) -> Score:
    from refmill import config
    from refmill.crossref import client_from_settings

    client = client_from_settings(config.load(), args.mailto, args.crossref_url, False, False, config.cache_dir())
    data = json.loads((FIXTURES / "matching-gold" / "crossref-2000-real-unstructured-refs.json").read_text())["dataset"]
    data = data[: args.limit] if args.limit else data
    start = time.monotonic()
    records = [Record(id=str(i), type="article", custom={"raw": row["ref_string"]}) for i, row in enumerate(data)]
    outcomes = []
    for outcome in enrich(records, client):
        outcomes.append(outcome)
        if len(outcomes) % 100 == 0:
            print(f"  {len(outcomes)}/{len(data)}", file=sys.stderr)
    score, errors = Score(), 0
    for row, outcome in zip(data, outcomes):
        if outcome.status not in (MATCHED, UNMATCHED):
            errors += 1
            continue
        score.add(outcome.record.doi if outcome.status == MATCHED else None, row["target_gt"]["DOI"], row["ref_string"][:100])
    print(f"{len(data)} references in {time.monotonic() - start:.0f} s; {errors} lookups failed (not scored); "
          f"{client.requests} requests, {client.cache_hits} cache hits", file=sys.stderr)
    return score


HEADER = ("| set | decisions | right DOI | rightly rejected | wrong accepted | missed | precision | recall |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--live", action="store_true", help="query Crossref for the 2,000 gold reference strings")
    parser.add_argument("--mailto", help="your e-mail (Crossref's polite pool); or REFMILL_MAILTO")
    parser.add_argument("--crossref-url", default=None, help="API base URL (a mirror)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N gold strings (live)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every wrong decision")
    parser.add_argument("--sweep", action="store_true", help="precision and recall offline for other ACCEPT thresholds")
    args = parser.parse_args()
    if not FIXTURES.is_dir():
        print(f"{FIXTURES} is absent; nothing to score", file=sys.stderr)
        return 2
    sets = [("live: matching-gold, refmill", live(args))] if args.live else [
        ("recorded candidate lists (Crossref matcher tests + 2 lists)", recorded_lists()),
        ("recorded works in 3 styles: as is, one number wrong, traps, absent", recorded_works()),
        ("matching-gold strings against the 14 recorded works (unrelated)", gold_against_recorded_works()),
    ]
    sets.append(("matching-gold: Crossref's SBMV, top candidate (as recorded)", sbmv_reference(None)))
    sets.append(("matching-gold: Crossref's SBMV, similarity >= 0.34", sbmv_reference(0.34)))
    print(HEADER)
    for name, score in sets:
        print(score.line(name))
    if args.sweep and not args.live:
        from refmill import enrich

        chosen = enrich.ACCEPT
        print("\n| ACCEPT | wrong accepted | missed | precision | recall |\n|---:|---:|---:|---:|---:|")
        for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            enrich.ACCEPT = threshold
            both = Score()
            for part in (recorded_lists(), recorded_works()):
                for k in ("tp", "wrong", "fp", "fn", "tn"):
                    setattr(both, k, getattr(both, k) + getattr(part, k))
            mark = " (chosen)" if threshold == chosen else ""
            print(f"| {threshold}{mark} | {both.wrong + both.fp} | {both.fn} | {both.precision():.3f} | {both.recall():.3f} |")
        enrich.ACCEPT = chosen
    if args.verbose:
        for name, score in sets[:-2]:
            for miss in score.misses:
                print(f"{name}: {miss}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
