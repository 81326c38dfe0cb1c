from odoo import _, models


class OngoingBackend(models.Model):
    _inherit = "ongoing.backend"

    def _ongoing_sync_purchase(self, remote_id, remote_number):
        """Read a purchase order from Ongoing and book what was received on the Odoo receipt."""
        client = self._get_client()
        document = (
            client.get_purchase_order(remote_id)
            if remote_id
            else client.find_purchase_order(remote_number)
        )
        if document is None:
            return "failed", _("Ongoing has no purchase order %(number)s.", number=remote_number)
        binding = self.env["ongoing.order"].search(
            [
                ("backend_id", "=", self.id),
                ("order_type", "=", "purchase"),
                "|",
                ("remote_id", "=", document.purchase_order_id),
                ("name", "=", document.purchase_order_number),
            ],
            limit=1,
        )
        if not binding:
            return "ignored", _(
                "No Odoo receipt is linked to Ongoing purchase order %(number)s (id %(id)s).",
                number=document.purchase_order_number,
                id=document.purchase_order_id,
            )
        return self._ongoing_booking_outcome(binding, binding._ongoing_apply_purchase(document))

    def _ongoing_poll(self):
        super()._ongoing_poll()
        client = self._get_client()
        # Receipts not yet reported back. Odoo acknowledges every quantity it books, so
        # a purchase order leaves this list once its receipts are booked.
        documents = client.iter_purchase_orders(only_lines_to_report=True)
        self._ongoing_schedule_known(
            "purchase",
            documents,
            lambda document: (document.purchase_order_id, document.purchase_order_number),
        )
