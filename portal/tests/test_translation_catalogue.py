"""The Chinese catalogue is complete: every message translated, none fuzzy, and the compiled .mo
says what the .po says (a .po edited without compiling would show English in production)."""
import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def _live_entries() -> list[str]:
    blocks = (CATALOGUE / "django.po").read_text(encoding="utf-8").split("\n\n")
    entries = [block for block in blocks if re.search(r'^msgid "', block, re.M)][1:]  # [0] is the header
    return [block for block in entries if not block.lstrip().startswith("#~")]


def _field(block: str, keyword: str) -> str | None:
    """The (possibly multi-line) string after `keyword`, unescaped; None when absent."""
    match = re.search(rf'^{re.escape(keyword)} ("(?:[^"\\]|\\.)*"(?:\n"(?:[^"\\]|\\.)*")*)', block, re.M)
    if not match:
        return None
    return "".join(ast.literal_eval(line) for line in match.group(1).split("\n"))


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = _live_entries()
    assert len(entries) > 1000
    fuzzy = [block for block in entries if "#, fuzzy" in block]
    untranslated = [block for block in entries if not (_field(block, "msgstr") or _field(block, "msgstr[0]"))]
    assert not fuzzy, fuzzy[:3]
    assert not untranslated, untranslated[:3]


def test_the_compiled_catalogue_says_what_the_source_says():
    with open(CATALOGUE / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    simple = [block for block in _live_entries() if _field(block, "msgctxt") is None and "msgid_plural" not in block]
    stale = [
        msgid for msgid, msgstr in ((_field(b, "msgid"), _field(b, "msgstr")) for b in simple)
        if catalogue.gettext(msgid) != msgstr
    ]
    assert len(simple) > 1000
    assert not stale, stale[:5]
