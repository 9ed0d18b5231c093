# Inherited models
from . import account_move
from . import account_move_line
from . import res_company
from . import res_company_insights
from . import res_config_settings
from . import res_partner

# Models of the addon
from . import ai_risk_model
from . import ai_risk_model_training
from . import ai_risk_scoring

# Demo ledger loader
from . import ai_collections_demo
from . import ai_collections_demo_work

from . import ai_dunning_level
from . import ai_dunning_log
from . import ai_dunning_run
from . import ai_dunning_run_select
from . import ai_dunning_run_record
from . import ai_dunning_run_execute
from . import ai_dunning_run_queue

from . import res_users
from . import ai_collection_answer_mixin
from . import ai_collection_case_mixin
from . import ai_collection_promise
from . import ai_collection_dispute
from . import ai_collection_payment_plan
from . import ai_collection_payment_plan_line
from . import ai_collection_payment_plan_check
from . import ai_collection_worklist
from . import ai_collection_worklist_answer
from . import ai_collection_call

from . import ai_collection_reply
from . import ai_cash_forecast
from . import ai_collection_kpi
from . import ai_risk_prediction
from . import ai_model_monitoring
from . import ai_fairness_report
from . import ai_collection_experiment
from . import ai_collection_experiment_arm
from . import ai_collection_experiment_assignment
