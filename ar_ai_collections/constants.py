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
# Characters of a reply the engine reads (and the addon stores): the reply proper
# is at the top; the cap bounds the work an incoming email can cause.
MAX_REPLY_CHARS = 5_000
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
# States of a promise whose outcome is known: they feed the promise-kept rate.
CLOSED_PROMISE_STATES = ("kept", "partial", "broken")
# States in which a promise or a dispute still stands (a customer's answer in force).
STANDING_CASE_STATES = ("draft", "open")
# Payment plans (company settings override them): most instalments of a plan, longest
# plan (days from its proposal to its last instalment), smallest instalment (company
# currency; the last one may be smaller), total under which a customer's proposal is
# approved without a collector (0: never), days before an instalment its reminder is
# sent, days an instalment may be late before the plan is broken.
DEFAULT_PLAN_MAX_INSTALMENTS = 6
DEFAULT_PLAN_MAX_DAYS = 180
DEFAULT_PLAN_MIN_INSTALMENT = 50.0
DEFAULT_PLAN_AUTO_APPROVE_AMOUNT = 0.0
DEFAULT_PLAN_REMINDER_DAYS = 3
DEFAULT_PLAN_GRACE_DAYS = 5

# --- Collections insights: KPIs, model monitoring, fairness audit, A/B tests ---
# Ledger detail the KPIs read when the history has them (extra columns, all optional):
# amounts of the first (partial) payment and of a credit note, the invoice amount in
# company currency, dated promises and disputes, the collector and contact counts.
LEDGER_DETAIL_DATE_COLUMNS = (
    "credit_note_date",
    "promise_date",
    "dispute_date",
    "dispute_resolved_date",
)
LEDGER_DETAIL_NUMBER_COLUMNS = (
    "first_payment_amount",
    "credit_note_amount",
    "amount_company_currency",
    "emails_sent",
    "letters_sent",
    "calls_made",
)
LEDGER_DETAIL_TEXT_COLUMNS = ("company", "collector", "dispute_category")
# Aging buckets by days past due at the period end, and their upper bounds (days).
AGING_BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
AGING_BUCKET_UPPER_DAYS = (0, 30, 60, 90)
# Recovery rate horizons: share of a bucket collected within so many days.
RECOVERY_HORIZONS_DAYS = (30, 60, 90)
# Model monitoring alerts: realized AUC this far below validation, PSI above, ECE above.
MONITOR_AUC_DROP = 0.05
MONITOR_PSI_ALERT = 0.25
MONITOR_ECE_ALERT = 0.10
# Quantile bins of the reference sample for the population stability index.
PSI_BINS = 10
# Fairness: four-fifths rule on favourable-treatment rates, error-rate gap, smallest group judged.
FAIRNESS_MIN_RATIO = 0.8
FAIRNESS_ERROR_RATE_MARGIN = 0.10
FAIRNESS_MIN_GROUP_SIZE = 30
# A/B tests of collection strategies: confidence level, power and smallest effect worth finding.
EXPERIMENT_CONFIDENCE = 0.95
EXPERIMENT_POWER = 0.80
EXPERIMENT_MIN_EFFECT = 0.05
# Customers an arm needs before any verdict (variance and normal approximation).
EXPERIMENT_MIN_ARM_CUSTOMERS = 30

# Uploaded ONNX models larger than this are refused (company setting, in MB).
DEFAULT_MAX_MODEL_MB = 50

# History CSV bounds: larger amounts or dates outside these years are input
# errors (an amount of 1e308 would distort every customer's features; pandas
# timestamps end in 2262).
MAX_HISTORY_AMOUNT = 1e12
MIN_HISTORY_YEAR = 1900
MAX_HISTORY_YEAR = 2200
# Furthest a promised payment date or a worklist snooze may be from today (days;
# the company setting ai_promise_horizon_days overrides it).
DEFAULT_PROMISE_HORIZON_DAYS = 365
# Customer portal link: submissions (promises, disputes) a customer can send per
# hour through its links.
PORTAL_SUBMISSIONS_PER_HOUR = 10

# --- Dunning run plan (ar_ai_collections.dunning_policy.plan_run) ---
# Default days between two levels of the same invoice (a level's own spacing overrides it).
DEFAULT_DUNNING_LEVEL_SPACING_DAYS = 7
# Dunning timing: the risk band chooses the levels (risk-aware) or age alone does.
DUNNING_TIMINGS = ("risk_aware", "age_only")
DEFAULT_DUNNING_TIMING = "risk_aware"
# Why a customer gets no communication in a run, in the order the guards apply (the
# first that holds is recorded): customer settings, the run's own idempotence, the
# customer's answers, then the invoices' holds, then amount, quota, clock, review.
DUNNING_REASONS = (
    "excluded",
    "do_not_contact",
    "manual_mode",
    "already_contacted_today",
    "engaged",
    "unreconciled_payment",
    "no_followup",
    "dispute_open",
    "plan_active",
    "promise_open",
    "spacing",
    "nothing_due",
    "below_min_amount",
    "frequency_cap",
    "outside_business_hours",
    "review",
)

# ONNX opsets of the engine's exports (default domain, ai.onnx.ml): the highest
# the model guard accepts, too.
ONNX_OPSET = 17
ONNX_ML_OPSET = 3
