"""Export the addon's translatable terms and bring i18n/sv.po in step with them.

Run with the virtualenv's Python on a database where the addon is installed:

    tools/python tools/i18n.py CONFIG DBNAME

It writes ``i18n/ongoing_fortnox_sync.pot`` from the code, views and data (as
Odoo's own export does), then updates ``i18n/sv.po``: existing translations
are kept, new terms are added untranslated, terms the code no longer has are
dropped. It prints how many terms still lack a Swedish translation.
"""

import io
import sys
from pathlib import Path

import polib

import odoo
from odoo.tools.translate import trans_export

MODULE = "ongoing_fortnox_sync"
ROOT = Path(__file__).resolve().parent.parent
POT_PATH = ROOT / "i18n" / f"{MODULE}.pot"
SV_PATH = ROOT / "i18n" / "sv.po"


def export_pot(config_path, db_name):
    odoo.tools.config.parse_config(["-c", config_path, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(db_name)
    buffer = io.BytesIO()
    with registry.cursor() as cr:
        trans_export(False, [MODULE], buffer, "po", cr)
    POT_PATH.parent.mkdir(exist_ok=True)
    POT_PATH.write_bytes(buffer.getvalue())
    return polib.pofile(str(POT_PATH))


def merge_swedish(pot):
    existing = polib.pofile(str(SV_PATH)) if SV_PATH.exists() else polib.POFile()
    translations = {entry.msgid: entry.msgstr for entry in existing if entry.msgstr}
    swedish = polib.POFile(wrapwidth=78)
    swedish.metadata = {
        **pot.metadata,
        "Language": "sv",
        "Language-Team": "Swedish",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    for entry in pot:
        swedish.append(
            polib.POEntry(
                msgid=entry.msgid,
                msgstr=translations.get(entry.msgid, ""),
                occurrences=entry.occurrences,
                comment=entry.comment,
                tcomment=entry.tcomment,
                flags=entry.flags,
            )
        )
    swedish.save(str(SV_PATH))
    return [entry.msgid for entry in swedish if not entry.msgstr]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pot = export_pot(sys.argv[1], sys.argv[2])
    missing = merge_swedish(pot)
    print(f"i18n: {len(pot)} terms in {POT_PATH.name}; {len(missing)} without Swedish in sv.po")


if __name__ == "__main__":
    main()
