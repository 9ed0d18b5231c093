# Copyright 2026 AI Collections contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "AI Collections",
    "summary": "Payment-risk scores, risk-aware dunning and a collector worklist "
    "on the invoicing screens, powered by ONNX models trained on your own history",
    "version": "18.0.1.4.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/ar-ai-collections/ar_ai_collections",
    "author": "AI Collections contributors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["account", "mail", "portal"],
    "external_dependencies": {
        # Scoring needs only numpy, pandas and onnxruntime; training ("Train now",
        # the monthly retraining cron) also needs scikit-learn and skl2onnx.
        "python": ["numpy", "pandas", "onnxruntime", "scikit-learn", "skl2onnx", "onnx"],
    },
    # Load order matters: groups before access rights and rules, records before
    # the views that show them, actions before the menus that open them.
    "data": [
        # security
        "security/security.xml",
        "security/ir.model.access.csv",
        # data (crons, mail templates, default settings)
        "data/ir_cron_data.xml",
        # Templates (the invoice table they call first) before the levels that use them
        "data/ai_dunning_mail_templates.xml",
        "data/ai_dunning_mail_template_data.xml",
        "data/ai_dunning_level_data.xml",
        # Sequences, promise check and worklist crons
        "data/ai_collection_data.xml",
        # Payment plans: sequence, daily check, mails answering the customer
        "data/ai_collection_payment_plan_data.xml",
        "data/ai_cash_forecast_data.xml",
        "data/ai_collection_insights_data.xml",
        # views
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/ai_risk_model_views.xml",
        "views/ai_dunning_level_views.xml",
        "views/ai_dunning_log_views.xml",
        "views/ai_dunning_partner_move_views.xml",
        "views/ai_collection_promise_views.xml",
        "views/ai_collection_dispute_views.xml",
        "views/ai_collection_payment_plan_views.xml",
        "views/ai_collection_worklist_views.xml",
        "views/ai_collection_call_views.xml",
        "views/res_partner_worklist_views.xml",
        "views/account_move_worklist_views.xml",
        "views/ai_collection_reply_views.xml",
        "views/ai_collections_portal_templates.xml",
        "views/ai_cash_forecast_views.xml",
        "views/res_partner_cash_forecast_views.xml",
        "views/ai_collection_kpi_views.xml",
        "views/ai_risk_prediction_views.xml",
        "views/ai_model_monitoring_views.xml",
        "views/ai_fairness_report_views.xml",
        "views/ai_collection_experiment_views.xml",
        # Settings after the actions their buttons open
        "views/res_config_settings_views.xml",
        # reports
        "report/ai_dunning_reports.xml",
        "report/ai_fairness_report_reports.xml",
        # wizards
        "wizards/ai_risk_model_upload_views.xml",
        "wizards/ai_dunning_preview_views.xml",
        "wizards/ai_collection_call_wizard_views.xml",
        # menus last: every menu, after the actions it opens
        "views/menus.xml",
    ],
    "demo": [
        # Generated receivables ledger (loaded only with demo data)
        "demo/demo_ledger.xml",
        # A finished A/B test measured on that ledger
        "demo/ai_collection_experiment_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "ar_ai_collections/static/tests/tours/risk_tour.js",
            "ar_ai_collections/static/tests/tours/dunning_tour.js",
            "ar_ai_collections/static/tests/tours/worklist_tour.js",
            "ar_ai_collections/static/tests/tours/portal_tour.js",
            "ar_ai_collections/static/tests/tours/payment_plan_tour.js",
            "ar_ai_collections/static/tests/tours/roles_tour.js",
            "ar_ai_collections/static/tests/tours/cash_forecast_tour.js",
            "ar_ai_collections/static/tests/tours/insights_tour.js",
        ],
    },
}
