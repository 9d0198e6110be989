"""Every real export in ../shared/data/exports/ (citation managers and databases, provenance
in its README) reads whole: the README's record count, no warning, and key fields right."""
from __future__ import annotations

import pytest

from refmill.formats import detect, read
from refmill.inputs import read_input
from refmill.model import Date

# file -> (format refmill detects, records), counts as the folder's README gives them
FILES = {
    "bibtex/acm-dl-bbt-3287.bib": ("bibtex", 1),
    "bibtex/ads-arxiv-bibtex-tidy.bib": ("bibtex", 1),
    "bibtex/ads-bbt-1733.bib": ("bibtex", 1),
    "bibtex/bbt-biblatex-cjk-2624.biblatex": ("bibtex", 35),
    "bibtex/bbt-biblatex-readonly-3430.biblatex": ("bibtex", 55),
    "bibtex/bibdesk-bbt-664.bib": ("bibtex", 1),
    "bibtex/bibdesk-crossref-bbt-3514.bib": ("bibtex", 6),
    "bibtex/calibre-bbt-3338.bib": ("bibtex", 1),
    "bibtex/endnote-bbt.bib": ("bibtex", 1),
    "bibtex/europepmc-colrev-anonymised.bib": ("bibtex", 2),
    "bibtex/google-scholar-orcid-paglione.bib": ("bibtex", 55),
    "bibtex/inspire-bibtex-tidy.bib": ("bibtex", 1),
    "bibtex/jabref-2.10-bbt-97.bib": ("bibtex", 911),
    "bibtex/jabref-5.1-bbt-1641.bib": ("bibtex", 20),
    "bibtex/jabref-dblp-jabref-authors.bib": ("bibtex", 212),
    "bibtex/mendeley-bbt-mendeley-idiocy.bib": ("bibtex", 512),
    "bibtex/qiqqa-bbt.bib": ("bibtex", 2),
    "bibtex/scopus-2023-pybibx.bib": ("bibtex", 24),
    "bibtex/taylorfrancis-colrev-anonymised.bib": ("bibtex", 2),
    "bibtex/wiley-colrev-anonymised.bib": ("bibtex", 2),
    "bibtex/wos-bbt-1562.bib": ("bibtex", 1),
    "bibtex/zotero-bbt-unabbreviate-1436.bib": ("bibtex", 506),
    "csl-json/zotero-bbt-dates-811.csl.json": ("csl-json", 15),
    "csl-json/zotero-bbt-deterministic-1400.csl.json": ("csl-json", 26),
    "csl-json/zotero-bbt-langtag-3100.csl.json": ("csl-json", 3),
    "csl-json/zotero-bbt-seasons-860.csl.json": ("csl-json", 6),
    "endnote-xml/bookends-jabref-article.xml": ("endnote-xml", 1),
    "endnote-xml/endnote15-jabref-multititle.xml": ("endnote-xml", 3),
    "endnote-xml/endnote19-reflib-sm.xml": ("endnote-xml", 5),
    "endnote-xml/endnote20-jabref-report.xml": ("endnote-xml", 1),
    "medline/eric-colrev-anonymised.nbib": ("medline", 1),
    "medline/pubmed-biopython-result2.txt": ("medline", 4),
    "medline/pubmed-biopython-result3.txt": ("medline", 1),
    "medline/pubmed-crlf-pybibx.txt": ("medline", 10),
    "medline/pubmed-genereviews-reflib.nbib": ("medline", 10),
    "medline/pubmed-jabref.nbib": ("medline", 1),
    "medline/pubmed-reflib-cancer.nbib": ("medline", 20),
    "medline/pubmed-rispy-2021.txt": ("medline", 10),
    "ris/atypon-aip-jabref.ris": ("ris", 1),
    "ris/crc-taylorfrancis-jabref.ris": ("ris", 1),
    "ris/endnote-ebsco-psycinfo-reflib.ris": ("ris", 1),
    "ris/endnote-ovid-cab-reflib.txt": ("ris", 410),
    "ris/endnote-pubmed-asreview-demo.txt": ("ris", 6),
    "ris/ieee-xplore-litstudy.ris": ("ris", 25),
    "ris/jstor-colrev-anonymised.ris": ("ris", 4),
    "ris/lens-asreview-baseline.ris": ("ris", 100),
    "ris/ovid-psycinfo-asreview-demo.ris": ("ris", 6),
    "ris/peerj-handlr.ris": ("ris", 1),
    "ris/pmc-jabref.ris": ("ris", 1),
    "ris/psycinfo-apa-colrev-anonymised.ris": ("ris", 1),
    "ris/pubmed-jabref.ris": ("ris", 1),
    "ris/scifinder-cas-jabref.ris": ("ris", 1),
    "ris/scopus-asreview-demo.ris": ("ris", 6),
    "ris/scopus-jabref.ris": ("ris", 1),
    "ris/wos-asreview-demo.txt": ("ris", 10),
    "ris/wos-plaintext-rispy.ris": ("ris", 2),  # Web of Science's own tagged text
    "ris/zotero-asreview-baseline.ris": ("ris", 100),
    "ris/zotero-pubmed-asreview-demo.ris": ("ris", 6),
}


def load(shared, name):
    path = shared / "data" / "exports" / name
    text = read_input(str(path)).text
    return detect(str(path), text), *read(text, name)


def test_every_file_in_the_folder_is_listed_here(shared):
    folder = shared / "data" / "exports"
    found = {str(p.relative_to(folder)) for p in folder.glob("*/*") if p.is_file()}
    assert found == set(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_export_reads_whole_without_warnings(shared, name):
    fmt, records, problems = load(shared, name)
    assert (fmt, len(records)) == FILES[name]
    assert [p for p in problems if p.skipped] == []
    assert all("duplicate key" in p.message for p in problems)  # Mendeley repeats keys: a note each
    for rec in records:
        assert rec.title or rec.author or rec.get("container-title"), rec
        assert rec.type  # every record has a CSL type


def record(shared, name, index=0):
    return load(shared, name)[1][index]


def test_pubmed_ris_identifiers(shared):
    rec = record(shared, "ris/pubmed-jabref.ris")
    assert (rec.get("PMID"), rec.get("PMCID"), rec.doi) == ("26957754", "PMC4756000", "10.1589/jpts.28.186")
    assert rec.get("edition") == ""  # ET is the epub date there, not an edition
    assert (rec.get("container-title-short"), rec.get("page"), rec.issued) == ("J Phys Ther Sci", "186-189", Date(2016, 1))


def test_pmc_ris(shared):
    rec = record(shared, "ris/pmc-jabref.ris")
    assert (rec.get("PMID"), rec.get("PMCID"), rec.issued) == ("23690738", "PMC3654245", Date(2013, 4, 18))


def test_ieee_and_crc_names(shared):
    conference = record(shared, "ris/ieee-xplore-litstudy.ris", 1)
    assert conference.type == "paper-conference" and conference.author[0].display() == "Bobák, M."
    chapter = record(shared, "ris/crc-taylorfrancis-jabref.ris")
    assert chapter.type == "chapter" and chapter.doi == "10.1201/b19107-2"
    assert chapter.author[0].display() == "Barata, Catarina" and chapter.get("ISBN") == "978-1-4822-5326-9"


def test_scopus_article_number_and_wos_tagged_text(shared):
    scopus = [r for r in load(shared, "ris/scopus-asreview-demo.ris")[1] if r.author[0].family == "Labanski"][0]
    assert (scopus.get("volume"), scopus.get("page")) == ("111", "104501")
    wos = record(shared, "ris/wos-plaintext-rispy.ris")
    assert wos.doi == "10.1021/bi049798f" and wos.author[0].family == "Parkes-Loach"


def test_four_letter_tags_and_lens_bom(shared):
    assert record(shared, "ris/psycinfo-apa-colrev-anonymised.ris").get("PMID") == "33355555"
    lens = load(shared, "ris/lens-asreview-baseline.ris")[1]
    assert lens[0].author[0].display() == "Blomberg, Björn A."


def test_bibtex_dialects(shared):
    endnote = record(shared, "bibtex/endnote-bbt.bib")  # no key at all
    assert (endnote.id, endnote.get("page"), endnote.get("container-title")) == ("", "1204-1222", "Cell")
    wos = record(shared, "bibtex/wos-bbt-1562.bib")  # a repeated field
    assert wos.issued == Date(2018, 10, 1) and wos.get("container-title-short") == "Build. Environ."
    ads = record(shared, "bibtex/ads-bbt-1733.bib")  # journal macro, arXiv eprint
    assert ads.get("container-title") == "A&A" and ads.custom["arxiv"] == "astro-ph/0405395"
    assert ads.title == "Bright metal-poor variables: Why “Anomalous” Cepheids?"
    scopus = record(shared, "bibtex/scopus-2023-pybibx.bib")  # BOM, header lines, spaced en dash
    assert scopus.get("page") == "79-88"


def test_bibtex_crossref_children_inherit(shared):
    records = load(shared, "bibtex/bibdesk-crossref-bbt-3514.bib")[1]
    child = records[0]
    assert child.type == "chapter" and child.year == 2011
    assert child.get("container-title").startswith("Fronteiras da integração")
    assert child.get("publisher") == "Território das Artes"


def test_biblatex_and_cjk(shared):
    cjk = record(shared, "bibtex/bbt-biblatex-cjk-2624.biblatex")
    assert cjk.author[0].literal == "东方不败"
    online = [r for r in load(shared, "bibtex/bbt-biblatex-readonly-3430.biblatex")[1] if r.type == "webpage"]
    assert online and all(r.get("URL") for r in online)


def test_mendeley_keeps_keyless_and_repeated_entries(shared):
    records = load(shared, "bibtex/mendeley-bbt-mendeley-idiocy.bib")[1]
    # 37 entries have no key: the README's 31 leaves out six typed @web_page
    assert sum(1 for r in records if not r.id) == 37
    assert not any(r.get("page").lower().startswith("no pagination") for r in records)


def test_medline(shared):
    rec = record(shared, "medline/pubmed-rispy-2021.txt")
    assert (rec.get("PMID"), rec.doi, rec.get("page"), rec.issued) == ("30922926", "10.1016/j.ejmg.2019.03.004", "103640", Date(2020, 2))
    assert rec.author[0].display() == "Griffin, Darren K" and rec.get("container-title-short") == "Eur J Med Genet"
    chapter = record(shared, "medline/pubmed-genereviews-reflib.nbib")
    assert chapter.type == "chapter" and chapter.get("container-title") == "GeneReviews(R)"
    assert chapter.author[0].non_dropping_particle == "van" and chapter.editor[0].family == "Adam"
    eric = record(shared, "medline/eric-colrev-anonymised.nbib")
    assert eric.author[0].display() == "Smith, Tom" and eric.doi == "10.1000/123456789"


def test_endnote_xml(shared):
    rec = record(shared, "endnote-xml/bookends-jabref-article.xml")
    assert (rec.doi, rec.get("PMID"), rec.get("page"), rec.issued) == ("10.1038/bjc.2014.606", "25647015", "943-947", Date(2015, 3, 3))
    report = record(shared, "endnote-xml/endnote20-jabref-report.xml")
    assert report.type == "report" and report.get("publisher").startswith("USDA Forest Service")
