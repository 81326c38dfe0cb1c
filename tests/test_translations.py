"""Swedish translation of the addon: a complete ``i18n/sv.po`` that Odoo loads and shows.

The catalogue tests compare ``sv.po`` with the terms Odoo's own exporter reads from the
installed module, so a new string without a Swedish translation fails here. Run
``make i18n`` to add new terms to ``sv.po``, then translate them.
"""

import re

import polib

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from .common import OngoingCase

MODULE = "ongoing_fortnox_sync"
LANG = "sv_SE"

# A printf-style placeholder as Python's % operator reads it: "%s", "%(name)s",
# "%(quantity)+g", and the escaped "%%".
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")


def read_swedish_catalogue():
    """Return the addon's ``sv.po`` as a dict of source term -> Swedish translation."""
    catalogue = polib.pofile(file_path(f"{MODULE}/i18n/sv.po"))
    return {entry.msgid: entry.msgstr for entry in catalogue if not entry.obsolete}


def read_module_terms(cr):
    """Return the module's translatable source terms, read as Odoo's export reads them."""
    reader = TranslationModuleReader(cr, modules=[MODULE])
    return {source for module, _type, _name, _res_id, source, _value, _comments in reader}


def find_untranslated(terms, catalogue):
    """Return the terms that have no Swedish translation, sorted."""
    return sorted(term for term in terms if not catalogue.get(term, "").strip())


def find_placeholder_mismatches(catalogue):
    """Return (source, translation) pairs whose placeholders differ."""
    return [
        (source, translation)
        for source, translation in sorted(catalogue.items())
        if translation
        and sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation))
    ]


class TestSwedishCatalogue(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.terms = read_module_terms(cls.env.cr)
        cls.catalogue = read_swedish_catalogue()

    def test_reader_finds_module_terms(self):
        backend_fields = self.env["ongoing.backend"]._fields
        self.assertIn(backend_fields["goods_owner_id"].string, self.terms)
        self.assertIn(backend_fields["goods_owner_id"].help, self.terms)
        # A _() message in Python code and a label in an XML view.
        self.assertIn("Connection failed: %(reason)s", self.terms)
        self.assertIn("Test Connection", self.terms)

    def test_every_term_translated(self):
        missing = find_untranslated(self.terms, self.catalogue)
        self.assertFalse(
            missing,
            f"{len(missing)} term(s) have no Swedish translation in i18n/sv.po "
            "(run `make i18n`, then translate them):\n" + "\n".join(missing),
        )

    def test_placeholders_match_source(self):
        mismatches = find_placeholder_mismatches(self.catalogue)
        self.assertFalse(
            mismatches,
            "Swedish translations whose placeholders differ from the source:\n"
            + "\n".join(f"{source!r}\n  -> {translation!r}" for source, translation in mismatches),
        )

    def test_checks_report_gaps(self):
        catalogue = {
            "Sent.": "Skickad.",
            "Blank.": "  ",
            "%(count)s sent.": "%(antal)s skickade.",
            "%(rate)s %% VAT": "%(rate)s % moms",
        }
        self.assertEqual(
            find_untranslated({"Sent.", "Blank.", "Absent."}, catalogue), ["Absent.", "Blank."]
        )
        self.assertEqual(
            [source for source, _translation in find_placeholder_mismatches(catalogue)],
            ["%(count)s sent.", "%(rate)s %% VAT"],
        )


class TestSwedishInterface(OngoingCase):
    """Labels and messages shown to a user whose language is Swedish, once sv.po is loaded."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(LANG)
        cls.env["ir.module.module"]._load_module_terms([MODULE], [LANG], overwrite=True)
        cls.catalogue = read_swedish_catalogue()
        cls.user = new_test_user(
            cls.env,
            login="svensk_lagerchef",
            groups="stock.group_stock_manager,ongoing_fortnox_sync.group_ongoing_fortnox_manager",
            lang=LANG,
        )
        # The context the web client gets for this user at login.
        user_context = cls.user.with_user(cls.user).context_get()
        cls.swedish_env = cls.env(user=cls.user, context=user_context)

    def swedish(self, source):
        """Return the catalogue's Swedish for ``source``, which must differ from it."""
        translation = self.catalogue[source]
        self.assertNotEqual(translation, source)
        return translation

    def test_user_context_is_swedish(self):
        self.assertEqual(self.swedish_env.lang, LANG)

    def test_field_label_in_swedish(self):
        field = self.env["ongoing.backend"]._fields["goods_owner_id"]
        description = self.swedish_env["ongoing.backend"].fields_get(["goods_owner_id"])

        self.assertEqual(description["goods_owner_id"]["string"], self.swedish(field.string))
        self.assertEqual(description["goods_owner_id"]["help"], self.swedish(field.help))

    def test_selection_values_in_swedish(self):
        field = self.env["ongoing.article"]._fields["sync_state"]
        description = self.swedish_env["ongoing.article"].fields_get(["sync_state"])

        labels = dict(description["sync_state"]["selection"])
        for value, label in field.selection:
            self.assertEqual(labels[value], self.swedish(label))

    def test_view_button_in_swedish(self):
        arch = self.swedish_env["ongoing.backend"].get_view(view_type="form")["arch"]

        self.assertIn(self.swedish("Test Connection"), arch)
        self.assertNotIn(">Test Connection<", arch)
        self.assertNotIn('string="Test Connection"', arch)

    def test_error_message_in_swedish(self):
        warehouse = self.warehouse.with_env(self.swedish_env)
        with self.assertRaises(ValidationError) as caught:
            warehouse.reception_steps = "two_steps"

        message = str(caught.exception)
        opening = self.swedish(
            "Odoo cannot mirror the warehouse %(warehouse)s faithfully:\n%(problems)s"
        )
        self.assertIn(opening.split("%(warehouse)s")[0], message)
        self.assertIn(warehouse.display_name, message)
        reception_problem = (
            "Set Incoming Shipments to 'Receive and Store (1 step)' on the warehouse: "
            "Ongoing reports one receipt, not several steps."
        )
        self.assertIn(self.swedish(reception_problem), message)
        self.assertNotIn("Set Incoming Shipments", message)

    def test_connection_failure_in_swedish(self):
        backend = self.backend.with_env(self.swedish_env)
        backend.action_test_connection()

        message = backend.connection_message
        opening = self.swedish("Connection failed: %(reason)s").split("%(reason)s")[0]
        self.assertTrue(message.startswith(opening))
        reason = self.swedish("Could not connect to %(system)s at %(url)s (%(request)s)%(detail)s.")
        self.assertIn(reason.split("%(system)s")[0], message)
        self.assertIn(self.backend.base_url, message)
        self.assertNotIn("Could not connect", message)
