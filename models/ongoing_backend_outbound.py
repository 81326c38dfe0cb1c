from datetime import timedelta

from odoo import _, fields, models

from ..clients.ongoing_documents import format_time

# How far back the first polling run looks for order status changes.
FIRST_POLL_LOOKBACK = timedelta(days=1)
# Overlap between polling runs, so a change stamped just before a run is not missed.
POLL_OVERLAP = timedelta(minutes=5)


class OngoingBackend(models.Model):
    _inherit = "ongoing.backend"

    def _ongoing_sync_outbound(self, remote_id, remote_number):
        """Read an order from Ongoing and book its picks and shipment on the Odoo delivery."""
        client = self._get_client()
        order = client.get_order(remote_id) if remote_id else client.find_order(remote_number)
        if order is None:
            return "failed", _("Ongoing has no order %(number)s.", number=remote_number)
        binding = self.env["ongoing.order"].search(
            [
                ("backend_id", "=", self.id),
                ("order_type", "=", "outbound"),
                "|",
                ("remote_id", "=", order.order_id),
                ("name", "=", order.order_number),
            ],
            limit=1,
        )
        if not binding:
            return "ignored", _(
                "No Odoo delivery is linked to Ongoing order %(number)s (id %(id)s).",
                number=order.order_number,
                id=order.order_id,
            )
        return self._ongoing_booking_outcome(binding, binding._ongoing_apply_outbound(order))

    def _ongoing_poll(self):
        super()._ongoing_poll()
        client = self._get_client()
        started = fields.Datetime.now()
        since = (self.orders_polled_at or started - FIRST_POLL_LOOKBACK) - POLL_OVERLAP

        # Picks not yet reported, and status changes such as a shipment after the picks.
        orders = {order.order_id: order for order in client.iter_orders(only_lines_to_report=True)}
        for order in client.iter_orders(orderStatusChangedTimeFrom=format_time(since)):
            orders.setdefault(order.order_id, order)
        self._ongoing_schedule_known(
            "outbound", orders.values(), lambda o: (o.order_id, o.order_number)
        )
        self.orders_polled_at = started

    def _ongoing_schedule_known(self, order_type, documents, key):
        """Queue a sync job for each document Odoo sent; others belong to other systems."""
        documents = list(documents)
        if not documents:
            return
        ids_and_numbers = [key(document) for document in documents]
        known = self.env["ongoing.order"].search_read(
            [
                ("backend_id", "=", self.id),
                ("order_type", "=", order_type),
                "|",
                ("remote_id", "in", [remote_id for remote_id, _number in ids_and_numbers]),
                ("name", "in", [number for _remote_id, number in ids_and_numbers]),
            ],
            ["remote_id", "name"],
        )
        known_ids = {row["remote_id"] for row in known}
        known_numbers = {row["name"] for row in known}
        for remote_id, number in ids_and_numbers:
            if remote_id in known_ids or number in known_numbers:
                self._ongoing_schedule_sync(order_type, remote_id=remote_id, remote_number=number)
