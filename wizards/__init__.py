from . import ai_risk_model_upload
from . import ai_dunning_preview
from . import ai_collection_call_wizard
