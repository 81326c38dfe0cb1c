# ruff: noqa: I001
# Odoo builds models in import order, so the mixin comes before the models using it.
from . import ongoing_binding_mixin
from . import ongoing_backend
from . import ongoing_backend_sync
from . import ongoing_backend_outbound
from . import ongoing_backend_inventory
from . import ongoing_article
from . import ongoing_order
from . import ongoing_order_outbound
from . import ongoing_webhook_event
from . import ongoing_inventory_adjustment
from . import delivery_carrier
from . import product
from . import res_config_settings
from . import stock_move
from . import stock_picking
from . import stock_warehouse
