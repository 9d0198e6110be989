"""Reading BibTeX skips pylatexenc for plain, {}-protected text; the result must not change."""
from __future__ import annotations

from refmill.formats.bibtex import latex_to_text


def test_protected_title():
    assert latex_to_text("The {CAR} {T}-cell therapy of {B-ALL}") == "The CAR T-cell therapy of B-ALL"
