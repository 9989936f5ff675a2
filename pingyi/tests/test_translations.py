"""The zh_Hans catalogue is complete and its compiled .mo matches the .po."""

import ast
import gettext
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries(path: Path) -> dict[str, str]:
    """msgid -> first msgstr, read from the .po (a small reader, enough for our catalogue).

    A message with a context is keyed as gettext keys it: "context\x04msgid".
    """
    entries, current, field = {}, {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                key = current["msgid"]
                if "msgctxt" in current:
                    key = f"{current['msgctxt']}\x04{key}"
                entries[key] = current.get("msgstr", "")
            current, field = {}, None
        elif line.startswith(("msgctxt ", "msgid ", "msgstr ", "msgstr[0] ")):
            field = line.split(" ", 1)[0].split("[", 1)[0]
            current[field] = ast.literal_eval(line.split(" ", 1)[1])
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
        elif line.startswith(("msgid_plural", "msgstr[")):
            field = None
    return entries


def test_every_message_has_a_chinese_translation():
    missing = [msgid for msgid, msgstr in _po_entries(LOCALE / "django.po").items() if not msgstr]
    assert missing == []


def test_the_compiled_catalogue_matches_the_source():
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [m for m, s in _po_entries(LOCALE / "django.po").items() if compiled.gettext(m) != s]
    assert stale == [], "run `make messages`"
