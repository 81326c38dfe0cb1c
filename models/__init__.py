from . import ongoing_backend, res_config_settings
