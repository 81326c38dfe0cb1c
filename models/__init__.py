from . import (
    ongoing_backend,
    ongoing_backend_sync,
    ongoing_binding_mixin,
    ongoing_order,
    ongoing_webhook_event,
    res_config_settings,
    stock_move,
    stock_picking,
    stock_warehouse,
)
