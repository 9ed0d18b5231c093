# Inherited models
from . import account_move
from . import res_company
from . import res_config_settings
from . import res_partner
# Models of the addon
