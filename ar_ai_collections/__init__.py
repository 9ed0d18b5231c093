"""AI Collections engine: payment-risk scoring for accounts receivable.

Plain Python (pandas, numpy, onnxruntime), with no dependency on Odoo: it reads
the canonical history CSV any ERP can export, builds point-in-time features,
trains scikit-learn models exported to ONNX, scores with onnxruntime alone and
explains every score in plain language. The Odoo addon around this package
calls into it; it never calls back.
"""

__version__ = "1.0.0"
