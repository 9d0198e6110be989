"""Search: a query string -> a syntax tree -> a predicate over records.

Every record is seen through its *document*: the folded text (case, accents, LaTeX and
punctuation gone; see `model.fold`) of each searchable field, items joined by "|" so that a
value never matches across two authors or two fields. A term matches when its folded value
is a substring of its field's text. The index (`refmill.index`) stores the same documents, and
the SQL that `narrow` derives from a query only cuts the candidates down: whether a record
matches is always decided by `matches`, so the library and `--in` files cannot disagree.

Grammar (terms are ANDed; NOT binds tighter than AND, AND tighter than OR):

    query  := or
    or     := and ("OR" and)*
    and    := unary ("AND"? unary)*
    unary  := ("NOT" | "-") unary | "(" or ")" | term
    term   := [field ":"] ["~"] (word | "quoted phrase")
"""
from __future__ import annotations

import functools
import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable, Union

from .errors import RefmillError
from .model import TEXT_FIELDS, Record, fold, fold_all

# Fields a term can name. A bare word searches ANY_FIELDS.
NAMED_FIELDS = ("author", "title", "journal", "year", "doi", "type", "key", "publisher", "source")
ANY_FIELDS = ("title", "author", "journal", "year", "doi", "keyword", "abstract", "note")
# Document columns holding folded text; every other field is in the "other" dict.
TEXT_COLUMNS = ("author", "title", "journal", "doi", "keyword", "abstract", "note", "type", "key",
                "publisher", "source")
SORT_KEYS = ("year", "author", "title", "key")
ALIASES = {
    "a": "author", "t": "title", "j": "journal", "y": "year",
    # BibTeX names for what the record keeps under another (CSL) name
    "booktitle": "container-title", "journaltitle": "container-title",
    "shortjournal": "container-title-short", "pages": "page", "keywords": "keyword",
    "address": "publisher-place", "location": "publisher-place", "series": "collection-title",
    "school": "publisher", "institution": "publisher", "organization": "publisher",
}
# Other fields: every CSL text variable, editors alone, and refmill's own custom data.
OTHER_FIELDS = frozenset(
    {name.lower() for name in TEXT_FIELDS} - set(NAMED_FIELDS) - set(TEXT_COLUMNS)
    | {"editor", "raw", "line", "confidence", "truncated", "cited-by", "arxiv"}
)
SEPARATOR = "|"  # folded text has no "|", so a value cannot match across two items
_MAX_YEAR = 10**6
_FIELD_RX = re.compile(r"([A-Za-z][\w-]*):(.*)", re.DOTALL)
WORDS_RX = re.compile(r"[^ |]+")


class QueryError(RefmillError):
    """A malformed query; the message names the bad term and where it starts."""


# --- documents ---------------------------------------------------------------------------


def _decoded(text: str) -> str:
    """LaTeX ({\\"o}, {CAR}) decoded; BibTeX values are decoded already, other input may not be."""
    if "\\" in text or "{" in text:
        from .formats.bibtex import latex_to_text

        return latex_to_text(text)
    return text


def plain(text: str) -> str:
    """Folded text for matching: LaTeX decoded, then `model.fold`."""
    return fold(_decoded(text))


def _name_forms(p: Any) -> list[str]:
    """A person as "family given" and "given family", so that either order matches."""
    if p.literal:
        return [p.literal]
    family = " ".join(x for x in (p.non_dropping_particle, p.family) if x)
    given = " ".join(x for x in (p.given, p.dropping_particle) if x)
    forms = [f"{family} {given} {p.suffix}"]
    if given:
        forms.append(f"{given} {family} {p.suffix}")
    return forms


def _join(items: Iterable[str]) -> str:
    return SEPARATOR.join(i for i in items if i)


def _type_names(rec: Record) -> tuple[str, str, str]:
    """The CSL type and the BibTeX and BibLaTeX entry types: `type:article`, `type:phdthesis`,
    `type:online` all work."""
    from .formats.bibtex import entry_type

    return rec.type, entry_type(rec, biblatex=False), entry_type(rec, biblatex=True)


_COLUMN_FIELDS = {"title": "title", "DOI": "doi", "keyword": "keyword", "abstract": "abstract",
                  "note": "note", "publisher": "publisher"}


def document(rec: Record) -> dict[str, Any]:
    """What search sees of a record: folded text per field, the year, and sort keys."""
    people = rec.author + rec.editor
    forms = [_name_forms(p) for p in people]
    fields = list(rec.fields.items())
    custom = [(k.lower(), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
              for k, v in rec.custom.items()]
    texts = [form for person in forms for form in person] + [v for _, v in fields] + [v for _, v in custom]
    texts = [_decoded(t) for t in texts]
    texts += [rec.id, *_type_names(rec)]
    folded = iter(fold_all(texts))  # in the order of `texts`
    names = [[next(folded) for _ in person] for person in forms]
    doc: dict[str, Any] = dict.fromkeys(TEXT_COLUMNS, "")
    other: dict[str, str] = {}
    for name, _ in fields:
        if name in _COLUMN_FIELDS:
            doc[_COLUMN_FIELDS[name]] = next(folded)
        else:
            other[name.lower()] = next(folded)
    for name, _ in custom:
        value = next(folded)
        if name == "source":
            doc["source"] = value
        elif name not in other:
            other[name] = value
    doc["key"] = next(folded)
    doc["type"] = _join(folded)
    doc["author"] = _join(form for person in names for form in person)
    doc["journal"] = _join([other.get("container-title", ""), other.get("container-title-short", "")])
    if rec.editor:
        other["editor"] = _join(form for person in names[len(rec.author):] for form in person)
    doc.update(
        year=rec.year,
        other=other,
        sort_author=names[0][0] if names else "",
        sort_title=doc["title"],
        sort_key=rec.id.casefold(),
    )
    return doc


# --- the syntax tree ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    field: str  # a name in NAMED_FIELDS, "any", or another field's lower-case name
    value: str = ""  # folded
    fuzzy: bool = False
    years: tuple[int, int] | None = None  # inclusive range, for year terms
    text: str = ""  # as written, for messages
    column: int = 0


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


Node = Union[Term, Not, And, Or]


def terms(node: Node) -> Iterable[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from terms(node.child)
    else:
        for child in node.children:
            yield from terms(child)


# --- parsing -----------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str  # "word", "(", ")", "OR", "AND", "NOT"
    text: str  # as written
    column: int = 1
    pieces: list[tuple[str, bool]] = field(default_factory=list)  # (text, quoted)


def _bad(token: _Token | None, message: str) -> QueryError:
    return QueryError(f"bad query term {token.text!r} (column {token.column}): {message}")


def _tokens(query: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(_Token(c, c, i + 1))
            i += 1
        else:
            token = _Token("word", "", i + 1)
            start = i
            while i < n and not query[i].isspace() and query[i] not in "()":
                if query[i] == '"':
                    end = i + 1
                    while end < n and (query[end] != '"' or query[end - 1] == "\\"):
                        end += 1
                    if end >= n:
                        token.text = query[start:]
                        raise _bad(token, "the quote is never closed")
                    token.pieces.append((query[i + 1 : end], True))
                    i = end + 1
                else:
                    end = i
                    while end < n and not query[end].isspace() and query[end] not in '()"':
                        end += 2 if query[end] == "\\" else 1  # keep G{\\"o}kbuget whole
                    token.pieces.append((query[i:end], False))
                    i = end
            token.text = query[start:i]
            if token.text in ("OR", "AND", "NOT"):
                token.kind = token.text
            out.append(token)
    return out


_PREFIX_RX = re.compile(r"(-?~?(?:[A-Za-z][\w-]*:(?=\S))?~?)(.*)", re.DOTALL)


def _is_syntax(word: str) -> bool:
    return word in ("OR", "AND", "NOT") or (len(word) > 1 and word[0] in "-~") or bool(_FIELD_RX.fullmatch(word))


def join_args(args: Iterable[str]) -> str:
    """The query in command-line arguments.

    An argument holding spaces but no query syntax was quoted for the shell, as in
    `journal:"n engl j med"` (which arrives as `journal:n engl j med`): it is one phrase.
    An argument with syntax (quotes, parentheses, operators, more field: terms) is query text.
    """
    parts = []
    for arg in args:
        words = arg.split()
        if len(words) > 1 and not re.search(r'["()]', arg) and not any(_is_syntax(w) for w in words[1:]):
            prefix, rest = _PREFIX_RX.fullmatch(" ".join(words)).groups()
            arg = f'{prefix}"{rest}"'
        parts.append(arg)
    return " ".join(parts).strip()


def parse(query: str, fields: Collection[str] = ()) -> Node:
    """Parse a query; `fields` are extra field names the data holds (custom keys).

    Raises QueryError naming the bad term and its column.
    """
    tokens = _tokens(query)
    if not tokens:
        raise QueryError("empty query; give at least one term, for example author:smith")
    known = OTHER_FIELDS | {f.lower() for f in fields}
    pos = 0

    def peek(*kinds: str) -> bool:
        """Is the next token one of `kinds` ("end" for none)?"""
        kind = tokens[pos].kind if pos < len(tokens) else "end"
        return kind in kinds

    def take() -> _Token:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def parse_or() -> Node:
        children = [parse_and()]
        while peek("OR"):
            op = take()
            if peek("end", ")", "OR", "AND"):
                raise _bad(op, "OR needs a term on both sides")
            children.append(parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and() -> Node:
        children = [parse_unary()]
        while not peek("end", ")", "OR"):
            if peek("AND"):
                op = take()
                if peek("end", ")", "OR", "AND"):
                    raise _bad(op, "AND needs a term on both sides")
            children.append(parse_unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary() -> Node:
        if peek("end"):
            raise _bad(tokens[-1], "a term should follow")
        token = take()
        if token.kind == "NOT":
            if peek("end", ")", "OR", "AND"):
                raise _bad(token, "NOT needs a term after it")
            return Not(parse_unary())
        if token.kind == "(":
            if peek(")"):
                raise _bad(token, "empty parentheses")
            if peek("end"):
                raise _bad(token, "this parenthesis is never closed")
            inner = parse_or()
            if peek("end"):
                raise _bad(token, "this parenthesis is never closed")
            take()
            return inner
        if token.kind == ")":
            raise _bad(token, "')' without a matching '('")
        if token.kind in ("OR", "AND"):
            raise _bad(token, f"{token.kind} needs a term on both sides")
        first, quoted = token.pieces[0]
        if not quoted and first.startswith("--"):
            raise _bad(token, "this is an option, not a term: put options before --")
        if not quoted and first.startswith("-"):
            if token.text == "-":
                raise _bad(token, "'-' needs a term right after it (-author:smith)")
            rest = _Token("word", token.text[1:], token.column + 1, [(first[1:], False), *token.pieces[1:]])
            return Not(_term(rest, known))
        return _term(token, known)

    if peek(")"):
        raise _bad(tokens[0], "')' without a matching '('")
    node = parse_or()
    if not peek("end"):  # only a stray ")" stops parse_or early
        raise _bad(take(), "')' without a matching '('")
    return node


def _term(token: _Token, known: Collection[str]) -> Term:
    """One term: [~][field:][~]value, where only an unquoted start can name a field."""
    first, quoted = token.pieces[0]
    rest = token.pieces[1:]
    fuzzy, name = False, None
    if not quoted:
        if first.startswith("~"):
            fuzzy, first = True, first[1:]
        m = _FIELD_RX.fullmatch(first)
        if m:
            name, first = m.group(1).lower(), m.group(2)
            if first.startswith("~"):
                fuzzy, first = True, first[1:]
    raw = first + "".join(text for text, _ in rest)
    field_name = "any"
    if name is not None:
        field_name = ALIASES.get(name, name)
        if field_name not in NAMED_FIELDS and field_name not in TEXT_COLUMNS and field_name not in known:
            import difflib

            near = difflib.get_close_matches(name, [*NAMED_FIELDS, *TEXT_COLUMNS, *ALIASES, *known], n=1)
            hint = f"did you mean {near[0]}:? " if near else ""
            raise _bad(token, f"unknown field {name!r}; {hint}use {', '.join(NAMED_FIELDS)} (or a, t, j, y), "
                              "a record field such as volume or pmid, or quotes to search for the text")
        if not raw.strip():
            raise _bad(token, f'{name}: needs a value ({name}:word or {name}:"a phrase")')
    if field_name == "year":
        if fuzzy:
            raise _bad(token, "year: takes no '~'")
        return Term("year", years=_years(raw.strip(), token), text=token.text, column=token.column)
    value = plain(raw)
    if not value:
        raise _bad(token, "nothing to search for (only punctuation)")
    return Term(field_name, value, fuzzy, text=token.text, column=token.column)


_YEAR_RX = re.compile(r"(\d{1,4})")
_RANGE_RX = re.compile(r"(\d{1,4})?\.\.(\d{1,4})?")
_COMPARE_RX = re.compile(r"(>=|<=|>|<|=)(\d{1,4})")


def _years(text: str, token: _Token) -> tuple[int, int]:
    if _YEAR_RX.fullmatch(text):
        return int(text), int(text)
    m = _RANGE_RX.fullmatch(text)
    if m and (m.group(1) or m.group(2)):
        low = int(m.group(1)) if m.group(1) else -_MAX_YEAR
        high = int(m.group(2)) if m.group(2) else _MAX_YEAR
        if low > high:
            raise _bad(token, f"the range runs backwards (did you mean {high}..{low}?)")
        return low, high
    m = _COMPARE_RX.fullmatch(text)
    if m:
        op, year = m.group(1), int(m.group(2))
        return {
            ">=": (year, _MAX_YEAR), ">": (year + 1, _MAX_YEAR), "<=": (-_MAX_YEAR, year),
            "<": (-_MAX_YEAR, year - 1), "=": (year, year),
        }[op]
    raise _bad(token, "year: takes a year (2017), a range (2014..2018) or a comparison (>=2015, <2010)")


# --- matching ----------------------------------------------------------------------------


def typos(word: str) -> int:
    """Edits allowed for `~word`: none up to 2 letters, 1 up to 5, else 2 (like Lucene's AUTO)."""
    return 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2


def _field_text(doc: dict[str, Any], name: str) -> str:
    if name in TEXT_COLUMNS:
        return doc[name]
    if name == "any":
        if "any" not in doc:
            doc["any"] = _join(str(doc[f] or "") for f in ANY_FIELDS)
        return doc["any"]
    other = doc["other"]
    if isinstance(other, str):  # from the index: decoded on first use
        other = doc["other"] = json.loads(other)
    return other.get(name, "")


@functools.lru_cache(maxsize=1 << 16)  # the same words recur across records
def _close(word: str, other: str) -> bool:
    """Within the typo budget of `word` (optimal string alignment: a swap is one edit)."""
    k = typos(word)
    return _osa().distance(word, other, score_cutoff=k) <= k


@functools.lru_cache(maxsize=None)
def _osa() -> Any:
    from rapidfuzz.distance import OSA  # only `~` terms need rapidfuzz

    return OSA


def _fuzzy_in(value: str, text: str) -> bool:
    """Every word of `value` is inside `text`, or within its typo budget of one of its words."""
    words = None
    for q in value.split():
        if q in text:
            continue
        if words is None:
            words = WORDS_RX.findall(text)
        if not typos(q) or not any(_close(q, w) for w in words):
            return False
    return True


def matches(node: Node, doc: dict[str, Any]) -> bool:
    """The predicate: does the record behind `doc` match the query?"""
    if isinstance(node, Term):
        if node.years is not None:
            year = doc["year"]
            return year is not None and node.years[0] <= year <= node.years[1]
        text = _field_text(doc, node.field)
        return _fuzzy_in(node.value, text) if node.fuzzy else node.value in text
    if isinstance(node, Not):
        return not matches(node.child, doc)
    if isinstance(node, And):
        return all(matches(c, doc) for c in node.children)
    return any(matches(c, doc) for c in node.children)


# --- narrowing: SQL that keeps every match (and maybe more) ------------------------------

MAX_EXPANSION = 500  # index words a term may stand for before it stops narrowing
NOTHING = "<nothing>"  # no index word fits: the term matches no record


@dataclass
class Sql:
    where: str | None  # None: no narrowing (every row is a candidate)
    params: list[Any] = field(default_factory=list)
    exact: bool = True  # the rows it selects are exactly the matches


class Vocabulary:
    """What `narrow` asks of an index about the words of one vocabulary (a column, or
    "other:<field>" for a field kept in the "other" column)."""

    def words(self, vocab: str, part: str, limit: int) -> list[str] | None:  # pragma: no cover - interface
        """Words holding `part` ("\\n" at an end: starting or ending with it); None: over `limit`."""
        raise NotImplementedError

    def similar(self, vocab: str, word: str, typos: int) -> list[str]:  # pragma: no cover - interface
        """Words within `typos` edits of `word`."""
        raise NotImplementedError


@functools.lru_cache(maxsize=None)
def token_prefix(name: str) -> str:
    """Words of other fields are indexed as "<field>_<word>" ("volume_12"), so that they
    narrow by field too."""
    return re.sub(r"[^a-z0-9]", "_", name.lower()) + "_"


def _columns(node: Term) -> tuple[str, ...]:
    if node.field == "any":
        return ANY_FIELDS
    return (node.field,) if node.field in TEXT_COLUMNS else ("other",)


def _fts_word(node: Term, vocab: Vocabulary, column: str, i: int) -> str | None:
    """An FTS5 expression that a record satisfies when word `i` of the term matches in
    `column`; None: it cannot say (too many candidates); NOTHING: no record can match.

    A substring "w1 w2 … wn" of a field's text lies in words ending with w1, then w2 …,
    then a word starting with wn; a single word lies inside some word of the field.
    With `~`, a word may be inside a word of the field or within its typo budget of one.
    """
    name, prefix = column, ""
    if column == "other":
        prefix = token_prefix(node.field)
        name = f"other:{prefix}"
    words = node.value.split()
    w = words[i]
    first, last = i == 0, i == len(words) - 1
    if node.fuzzy or (first and last):
        found = vocab.words(name, w, MAX_EXPANSION)
        if found is not None and node.fuzzy and typos(w):
            found = sorted(set(found) | set(vocab.similar(name, w, typos(w))))
    elif first:
        found = vocab.words(name, w + "\n", MAX_EXPANSION)
    elif last:
        return f'{column} : "{prefix}{w}" *'
    else:
        found = [w]
    if found is None or len(found) > MAX_EXPANSION:
        return None
    if not found:
        return NOTHING
    return f"{column} : (" + " OR ".join(f'"{prefix}{t}"' for t in found) + ")"


def _fts_term(node: Term, vocab: Vocabulary) -> str | None:
    """An FTS5 query every match of the term satisfies; None: cannot say; NOTHING: none."""
    columns, n = _columns(node), len(node.value.split())
    per = {c: [_fts_word(node, vocab, c, i) for i in range(n)] for c in columns}
    if node.fuzzy:  # each word somewhere in the field(s): AND over words of OR over columns
        conjuncts = []
        for i in range(n):
            options = [per[c][i] for c in columns]
            if all(o == NOTHING for o in options):
                return NOTHING
            if None not in options:
                conjuncts.append(" OR ".join(f"({o})" for o in options if o != NOTHING))
        return " AND ".join(f"({c})" for c in conjuncts) or None
    disjuncts = []  # all words in one field: OR over columns of AND over words
    for c in columns:
        if NOTHING in per[c]:
            continue
        kept = [x for x in per[c] if x is not None]
        if not kept:
            return None
        disjuncts.append(" AND ".join(f"({x})" for x in kept))
    return " OR ".join(f"({d})" for d in disjuncts) if disjuncts else NOTHING


def narrow(node: Node, vocab: Vocabulary) -> Sql:
    """SQL over the index's `docs` table selecting a superset of the matches."""
    if isinstance(node, Term):
        if node.years is not None:
            return Sql("(year IS NOT NULL AND year BETWEEN ? AND ?)", list(node.years))
        columns = _columns(node)
        match = _fts_term(node, vocab)
        if match == NOTHING:
            return Sql("0", [])
        if match is not None:
            return Sql("rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)", [match], False)
        if node.fuzzy:
            return Sql(None, [], False)
        where = " OR ".join(f"instr(coalesce({c}, ''), ?) > 0" for c in columns)
        return Sql(where, [node.value] * len(columns), columns != ("other",))
    if isinstance(node, Not):
        inner = narrow(node.child, vocab)
        if inner.exact and inner.where:
            return Sql(f"NOT ({inner.where})", inner.params)
        return Sql(None, [], False)
    parts = [narrow(c, vocab) for c in node.children]
    exact = all(p.exact for p in parts)
    if isinstance(node, Or) and any(p.where is None for p in parts):
        return Sql(None, [], False)
    joiner = " AND " if isinstance(node, And) else " OR "
    kept = [p for p in parts if p.where]
    where = joiner.join(f"({p.where})" for p in kept) or None
    return Sql(where, [x for p in kept for x in p.params], exact)


def columns_for(node: Node, sort: list[tuple[str, bool]]) -> list[str]:
    """The document columns the predicate and the sort read."""
    needed: list[str] = []
    for t in terms(node):
        for column in ("year",) if t.years is not None else _columns(t):
            if column not in needed:
                needed.append(column)
    for name, _ in sort:
        column = "year" if name == "year" else f"sort_{name}"
        if column not in needed:
            needed.append(column)
    return needed


# --- ordering ----------------------------------------------------------------------------


def parse_sort(text: str | None) -> list[tuple[str, bool]]:
    """"year,-title" -> [("year", False), ("title", True)] (True: descending)."""
    out: list[tuple[str, bool]] = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        name = part.lstrip("-")
        if name not in SORT_KEYS:
            raise QueryError(f"cannot sort by {part!r}; use {', '.join(SORT_KEYS)}, with '-' for descending")
        out.append((name, part.startswith("-")))
    return out


def order(docs: list[dict[str, Any]], sort: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    """Sort by the keys in turn (stable, so ties keep library order); missing values last."""
    for name, descending in reversed(sort):
        column = "year" if name == "year" else f"sort_{name}"
        present = [d for d in docs if d[column] not in (None, "")]
        missing = [d for d in docs if d[column] in (None, "")]
        present.sort(key=lambda d: d[column], reverse=descending)
        docs = present + missing
    return docs


# --- searching ---------------------------------------------------------------------------


@dataclass
class Matches:
    """The matching documents, in output order; `records()` loads their records."""

    docs: list[dict[str, Any]]
    load: Callable[[list[dict[str, Any]]], list[Record]]
    load_lines: Callable[[list[dict[str, Any]]], list[str]] | None = None

    def __len__(self) -> int:
        return len(self.docs)

    def records(self) -> list[Record]:
        return self.load(self.docs)

    def jsonl(self) -> str:
        """The matches as JSON lines, exactly as `formats.write(records, "jsonl")` gives them;
        from the index without building records (pipes move many)."""
        if self.load_lines is None:
            from .formats import csljson

            return csljson.write_lines(self.records())
        return "".join(line + "\n" for line in self.load_lines(self.docs))


def _select(node: Node, docs: Iterable[dict[str, Any]], sort: list[tuple[str, bool]], limit: int | None) -> list[dict[str, Any]]:
    hits = order([d for d in docs if matches(node, d)], sort)
    return hits[:limit] if limit is not None else hits


def search_records(query: str, records: list[Record], sort: str | None = None, limit: int | None = None) -> Matches:
    """Search records in memory (the `--in` files)."""
    docs = []
    fields: set[str] = set()
    for i, rec in enumerate(records):
        doc = document(rec)
        doc["rowid"] = i
        fields.update(doc["other"])
        docs.append(doc)
    node = parse(query, fields)
    hits = _select(node, docs, parse_sort(sort), limit)
    return Matches(hits, lambda ds: [records[d["rowid"]] for d in ds])


def search_library(query: str, library: str, sort: str | None = None, limit: int | None = None) -> Matches:
    """Search the library through its index (built or refreshed first when needed)."""
    from . import index

    spec = parse_sort(sort)
    idx = index.open_index(library)
    node = parse(query, idx.fields)
    sql = narrow(node, idx)
    columns = columns_for(node, spec)
    try:
        docs = list(idx.docs(sql.where, sql.params, columns))
    except sqlite3.OperationalError:  # a query too large for SQLite to narrow: read every row
        docs = list(idx.docs(None, [], columns))
    hits = _select(node, docs, spec, limit)
    return Matches(hits, lambda ds: idx.records([d["rowid"] for d in ds]), lambda ds: idx.csl([d["rowid"] for d in ds]))
