from . import ongoing_manual_validation, stock_return_picking
