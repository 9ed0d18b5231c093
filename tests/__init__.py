from . import test_risk_scoring
from . import test_risk_model
from . import test_dunning
from . import test_dunning_access
from . import test_dunning_render
from . import test_dunning_pdf

from . import test_demo_ledger
from . import test_security
from . import test_tour_dunning
from . import test_tour_risk

from . import test_promise
from . import test_dispute
from . import test_worklist
from . import test_tour_worklist

from . import test_reply_classification
from . import test_portal
from . import test_tour_portal
from . import test_portal_fuzz
from . import test_field_access
from . import test_rpc_surface
from . import test_cron_robustness
from . import test_cross_company
from . import test_role_access
from . import test_tour_roles
from . import test_cash_forecast
from . import test_tour_cash_forecast
from . import test_migration
from . import test_collection_kpi
from . import test_collection_governance
from . import test_tour_insights
