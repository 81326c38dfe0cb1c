from odoo import api, models


class JobChannelMixin(models.AbstractModel):
    """Connection whose jobs run in a queue_job channel of its own, with a capacity of 1.

    The inheriting model defines ``job_channel_id`` and names the parent channel
    in ``_job_channel_parent`` (an XML id).
    """

    _name = "ongoing.fortnox.job.channel.mixin"
    _description = "Connection with a Job Channel"

    _job_channel_parent = None

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._ensure_job_channel()
        return records

    def _ensure_job_channel(self):
        """Create the job channel of each record that has none, with a capacity of 1."""
        channel_model = self.env["queue.job.channel"].sudo()
        parent = self.env.ref(self._job_channel_parent)
        for record in self.filtered(lambda r: not r.job_channel_id):
            channel = channel_model.search(
                [("name", "=", str(record.id)), ("parent_id", "=", parent.id)], limit=1
            ) or channel_model.create({"name": str(record.id), "parent_id": parent.id})
            channel.capacity = 1
            record.sudo().job_channel_id = channel
