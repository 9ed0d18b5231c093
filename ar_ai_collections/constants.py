"""Constants shared by the engine and the Odoo addon.

They are defined once here, in plain Python, and the Odoo models import them
(selection values, defaults) so that the two never drift apart.
"""

# Canonical history CSV (one row per customer invoice), see README.
REQUIRED_COLUMNS = ("invoice_id", "customer_id", "invoice_date", "due_date", "amount", "paid_date")
OPTIONAL_COLUMNS = (
    "currency",
    "country",
    "industry",
    "payment_terms_days",
    "disputed",
    "credit_limit",
    # The customer broke (or only partly kept) a promise to pay this invoice.
    "broken_promise",
    # Date of the first payment (partial or full); a partial payment is one
    # whose date precedes ``paid_date`` (or an unpaid invoice with a payment).
    "first_payment_date",
)
DATE_COLUMNS = ("invoice_date", "due_date", "paid_date", "first_payment_date")

# An invoice is "late" when paid more than ``late_days`` after its due date.
DEFAULT_LATE_DAYS = 0
# An invoice is a "default" when still unpaid this many days after its due date.
DEFAULT_HORIZON_DAYS = 90

# Risk bands, ordered from safest to riskiest, and the default lower bounds
# (in % of the probability of paying late) of every band but the first.
RISK_BANDS = ("low", "medium", "high", "critical")
RISK_BAND_LABELS = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
DEFAULT_BAND_THRESHOLDS = (35.0, 60.0, 80.0)

# Minimum number of settled invoices a company needs before its own model is
# trained; below it, the bundled default model scores.
DEFAULT_MIN_HISTORY = 300

# Customer replies: what the text classifier predicts.
REPLY_LABELS = ("dispute", "promise", "paid", "request", "autoreply", "other")
DISPUTE_CATEGORIES = (
    "billing_error",
    "pricing",
    "goods_not_received",
    "goods_damaged",
    "service_quality",
    "already_paid",
    "duplicate_invoice",
    "needs_copy_po",
    "financial_hardship",
    "other",
)
DISPUTE_CATEGORY_LABELS = {
    "billing_error": "Billing error",
    "pricing": "Pricing",
    "goods_not_received": "Goods not received",
    "goods_damaged": "Goods damaged",
    "service_quality": "Service quality",
    "already_paid": "Already paid",
    "duplicate_invoice": "Duplicate invoice",
    "needs_copy_po": "Needs a copy / PO",
    "financial_hardship": "Financial hardship",
    "other": "Other",
}

# Collector worklist tiers, from most to least hands-on.
WORKLIST_TIERS = ("call_now", "follow_up", "automated", "watch")
WORKLIST_TIER_LABELS = {
    "call_now": "Call now",
    "follow_up": "Follow up",
    "automated": "Automated reminder",
    "watch": "Watch",
}

# Worklist policy defaults (company settings override them).
# Calls a collector can make per week (res.users field; 0 = company default).
DEFAULT_WEEKLY_CALL_CAPACITY = 40
# Expected value (company currency) below which a call costs more than it earns.
DEFAULT_MIN_CALL_VALUE = 100.0
# A customer whose probability of not paying without contact is below this (%)
# is "likely to pay anyway": no call, an automated reminder at most.
DEFAULT_LIKELY_PAY_PROBABILITY = 20.0
# Days after the promised date before an unpaid promise counts as broken.
DEFAULT_PROMISE_GRACE_DAYS = 2

# Customer portal link: furthest date a customer can promise to pay (days from
# today; a company setting overrides it), and submissions (promises, disputes)
# a customer can send per hour through its links.
DEFAULT_PROMISE_HORIZON_DAYS = 365
PORTAL_SUBMISSIONS_PER_HOUR = 10
