from . import ongoing_manual_validation
