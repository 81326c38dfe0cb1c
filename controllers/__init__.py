from . import fortnox_oauth, webhook
