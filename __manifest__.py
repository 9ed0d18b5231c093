# Copyright 2026 AI Collections contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "AI Collections",
    "summary": "Payment-risk scores, risk-aware dunning and a collector worklist "
    "on the invoicing screens, powered by ONNX models trained on your own history",
    "version": "18.0.1.0.0",
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
        # views
        # menus last
        "views/menus.xml",
    ],
    "demo": [],
    "assets": {},
}
