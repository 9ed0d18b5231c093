"""Set-based writes of the scoring results: invoices, customers, and clearing
what is no longer open (``UPDATE ... FROM unnest(...)``, no ORM call per record).

Also the per-customer aggregation of the invoice answers (risk, P(paid within
30 days), band, reasons) and the merge of the time-to-payment answer into the
risk scores.
"""

import numpy as np
import pandas as pd

from odoo.tools import SQL

from .account_move import open_customer_invoice_sql

#: Invoices written per UPDATE statement.
WRITE_BATCH = 20000
#: Days back for the customer trend ("score 30 days ago").
TREND_DAYS = 30


def shown_answers(scores):
    """The answers of ``scores`` as the invoices show them: percentages rounded,
    dates as ``datetime.date``, bands and reasons as text (lists or arrays aligned
    with the rows), for the invoices and the prediction log alike."""
    p_paid = {
        # Two decimals: most overdue invoices are under 1%, and one decimal
        # would show many of them with the very same figure.
        days: np.round(scores[f"p_paid_{days}d"].to_numpy(dtype=float) * 100.0, 2)
        for days in (7, 30, 90)
    }
    return {
        "p_late": np.round(scores["p_late"].to_numpy(dtype=float) * 100.0, 1),
        "p_default": np.round(scores["p_default"].to_numpy(dtype=float) * 100.0, 1),
        "days_late": np.round(scores["expected_days_late"].to_numpy(dtype=float), 1),
        "expected_date": _dates_to_iso(scores["predicted_pay_date"]),
        "pay_low": _dates_to_iso(scores["pay_date_low"]),
        "pay_high": _dates_to_iso(scores["pay_date_high"]),
        "p_paid_7": p_paid[7],
        "p_paid_30": p_paid[30],
        "p_paid_90": p_paid[90],
        "band": scores["risk_band"].astype(str).tolist(),
        "reasons": scores["reasons"].astype(str).tolist(),
    }


def write_invoice_scores(env, company, shown, invoice_ids, record, version, is_default, now):
    """Write the :func:`shown_answers` of ``invoice_ids`` on the invoices."""
    for start in range(0, len(invoice_ids), WRITE_BATCH):
        chunk = slice(start, start + WRITE_BATCH)
        env.cr.execute(
            """
            UPDATE account_move AS m
               SET ai_risk_score = v.score,
                   ai_default_probability = v.p_default,
                   ai_risk_band = v.band,
                   ai_predicted_pay_date = v.pay_date,
                   ai_pay_date_low = v.pay_low,
                   ai_pay_date_high = v.pay_high,
                   ai_expected_days_late = v.days_late,
                   ai_p_paid_7d = v.p7,
                   ai_p_paid_30d = v.p30,
                   ai_p_paid_90d = v.p90,
                   ai_risk_reasons = v.reasons,
                   ai_scored_at = %s,
                   ai_risk_model_id = %s,
                   ai_risk_model_version = %s,
                   ai_scored_by_default_model = %s
              FROM unnest(%s::int[], %s::float8[], %s::float8[], %s::varchar[],
                          %s::date[], %s::date[], %s::date[], %s::float8[],
                          %s::float8[], %s::float8[], %s::float8[], %s::text[])
                   AS v(id, score, p_default, band, pay_date, pay_low, pay_high,
                        days_late, p7, p30, p90, reasons)
             WHERE m.id = v.id AND m.company_id = %s
            """,
            [
                now,
                record.id or None,
                version,
                is_default,
                invoice_ids[chunk].tolist(),
                shown["p_late"][chunk].tolist(),
                shown["p_default"][chunk].tolist(),
                shown["band"][chunk],
                shown["expected_date"][chunk],
                shown["pay_low"][chunk],
                shown["pay_high"][chunk],
                shown["days_late"][chunk].tolist(),
                shown["p_paid_7"][chunk].tolist(),
                shown["p_paid_30"][chunk].tolist(),
                shown["p_paid_90"][chunk].tolist(),
                shown["reasons"][chunk],
                company.id,
            ],
        )


def clear_closed_invoices(env, company, open_ids, partner_ids):
    """Drop the band of scored invoices that are no longer open."""
    assignments = """
           SET ai_risk_band = NULL, ai_risk_score = 0, ai_default_probability = 0,
               ai_expected_days_late = 0, ai_predicted_pay_date = NULL,
               ai_pay_date_low = NULL, ai_pay_date_high = NULL,
               ai_p_paid_7d = 0, ai_p_paid_30d = 0, ai_p_paid_90d = 0
    """
    if partner_ids is None:
        env.cr.execute(
            f"""
            UPDATE account_move {assignments}
             WHERE company_id = %s
               AND move_type = 'out_invoice'
               AND ai_risk_band IS NOT NULL
               AND NOT (id = ANY(%s))
            """,
            [company.id, open_ids.tolist()],
        )
        return
    # Fast path: pick the customers' scored invoices through the partial index
    # on commercial_partner_id, then update by primary key; a single
    # statement lets stale statistics on ai_risk_band (right after the first
    # full run) send the planner through the band index (0.5 s at 1M rows).
    env.cr.execute(
        """
        SELECT id, ai_risk_band IS NOT NULL FROM account_move
         WHERE commercial_partner_id = ANY(%s)
           AND company_id = %s
           AND move_type = 'out_invoice'
        """,
        [list(partner_ids), company.id],
    )
    scored = np.array([row[0] for row in env.cr.fetchall() if row[1]], dtype=np.int64)
    closed = np.setdiff1d(scored, open_ids)
    if len(closed):
        env.cr.execute(
            f"UPDATE account_move {assignments} WHERE id = ANY(%s)",
            [closed.tolist()],
        )


def write_partner_scores(
    env,
    company,
    history,
    matrix,
    scores,
    model,
    thresholds,
    as_of,
    now,
    partner_ids,
    is_default=False,
):
    """Aggregate the invoice scores per customer and write them; return the count."""
    from ..ar_ai_collections import features as engine_features

    summary = engine_features.customer_summary(history, as_of).set_index("customer_id")
    current = _customer_risk(scores, matrix)
    past_as_of = as_of - pd.Timedelta(days=TREND_DAYS)
    past_matrix = engine_features.build_features(history, past_as_of)
    if len(past_matrix.frame):
        past_scores = model.score(past_matrix, band_thresholds=thresholds, reasons=False)
        past = _customer_risk(past_scores.to_frame(), past_matrix)
    else:
        past = pd.DataFrame({"score": pd.Series(dtype="float64")})
    customers = current.join(summary, how="left")
    past_score = past["score"].astype("float64").reindex(customers.index)
    trend = customers["score"].astype("float64") - past_score
    customers["trend"] = trend.fillna(0.0).round(1)
    customers["band"] = _customer_bands(customers, company._ai_ttp_band_thresholds())
    ids = customers.index.astype(np.int64).to_numpy()
    if len(customers):
        env.cr.execute(
            """
            UPDATE res_partner AS p
               SET ai_risk_score = v.score,
                   ai_risk_band = v.band,
                   ai_p_paid_30d = v.p30,
                   ai_risk_currency_id = %s,
                   ai_avg_days_late = v.avg_days_late,
                   ai_predicted_dso = v.dso,
                   ai_risk_trend = v.trend,
                   ai_risk_reasons = v.reasons,
                   ai_scored_at = %s,
                   ai_scored_by_default_model = %s
              FROM unnest(%s::int[], %s::float8[], %s::varchar[], %s::float8[],
                          %s::float8[], %s::float8[], %s::float8[], %s::text[])
                   AS v(id, score, band, p30, avg_days_late, dso, trend, reasons)
             WHERE p.id = v.id
            """,
            [
                company.currency_id.id,
                now,
                is_default,
                ids.tolist(),
                _floats(customers["score"].round(1)),
                customers["band"].astype(str).tolist(),
                _floats(customers["p_paid_30d"].round(2)),
                _floats(customers["avg_days_late"]),
                _floats(customers["dso"]),
                _floats(customers["trend"]),
                customers["reasons"].tolist(),
            ],
        )
        # Open and overdue amounts: what is left to pay, from the ledger itself
        # (the canonical history has no residual amounts), company currency.
        env.cr.execute(
            SQL(
                """
                UPDATE res_partner AS p
                   SET ai_open_amount = a.open_amount, ai_overdue_amount = a.overdue_amount
                  FROM (
                        SELECT m.commercial_partner_id AS partner_id,
                               sum(m.amount_residual_signed) AS open_amount,
                               COALESCE(sum(m.amount_residual_signed)
                                   FILTER (WHERE m.invoice_date_due < %s), 0) AS overdue_amount
                          FROM account_move m
                         WHERE m.company_id = %s
                           AND %s
                           AND m.commercial_partner_id = ANY(%s)
                         GROUP BY m.commercial_partner_id
                       ) AS a
                 WHERE p.id = a.partner_id
                """,
                as_of.date(),
                company.id,
                open_customer_invoice_sql("m"),
                ids.tolist(),
            )
        )
    clear_partners(env, company, ids.tolist(), partner_ids)
    return len(customers)


def clear_partners(env, company, scored_ids, partner_ids):
    """Customers of the company without open invoices any more: no live risk.

    The customer fields are not per company: a customer that still has open
    invoices in another company keeps the scores that company's run wrote.
    """
    env.cr.execute(
        SQL(
            """
            UPDATE res_partner
               SET ai_risk_band = NULL, ai_risk_score = 0, ai_risk_trend = 0, ai_p_paid_30d = 0,
                   ai_open_amount = 0, ai_overdue_amount = 0, ai_predicted_dso = 0,
                   ai_risk_reasons = NULL
             WHERE ai_risk_band IS NOT NULL
               AND NOT (id = ANY(%(scored)s))
               AND id IN (
                    SELECT commercial_partner_id FROM account_move
                     WHERE company_id = %(company)s AND move_type = 'out_invoice'
                       AND (%(all)s OR commercial_partner_id = ANY(%(partners)s)))
               AND NOT EXISTS (
                    SELECT 1 FROM account_move other
                     WHERE other.commercial_partner_id = res_partner.id
                       AND other.company_id != %(company)s
                       AND %(open_invoice)s)
            """,
            scored=list(scored_ids),
            company=company.id,
            all=partner_ids is None,
            partners=list(partner_ids or []),
            open_invoice=open_customer_invoice_sql("other"),
        )
    )


def _customer_bands(customers, thresholds):
    """Customer band on the share of its open amount expected unpaid in 30 days.

    ``100 - p_paid_30d`` (amount-weighted P(not paid within 30 days)) is the
    customer's expected 30-day shortfall divided by its open amount: an
    expected loss made comparable across customers of any size, so the
    invoice bands' thresholds apply as they are.
    """
    from ..ar_ai_collections import ttp_calibration

    p_not_paid = 1.0 - customers["p_paid_30d"].to_numpy(dtype=float) / 100.0
    return ttp_calibration.ttp_bands(p_not_paid, thresholds)


def _customer_risk(scores, matrix):
    """Per customer: amount-weighted risk and P(paid in 30 days) (%), DSO, top reasons.

    The customer's score is the probability of paying late averaged over its open
    invoices weighted by amount; its reasons are those of the invoice least likely
    to be paid within 30 days. Scores without the time-to-payment columns (the
    trend's past run) give no ``p_paid_30d``.
    """
    if not len(scores):
        empty = pd.Index([], name="customer_id")
        return pd.DataFrame(columns=["score", "p_paid_30d", "dso", "reasons"], index=empty)
    frame = matrix.frame[["invoice_id", "invoice_date", "amount"]].merge(
        scores, on="invoice_id", how="inner"
    )
    weight = frame["amount"].clip(lower=0.0).to_numpy(dtype=float) + 1e-9
    frame["w"] = weight
    frame["w_late"] = weight * frame["p_late"].to_numpy(dtype=float)
    frame["w_paid_30d"] = weight * frame.get("p_paid_30d", np.nan)
    pay = pd.to_datetime(frame["predicted_pay_date"])
    frame["w_dso"] = weight * (pay - pd.to_datetime(frame["invoice_date"])).dt.days.clip(lower=0)
    grouped = frame.groupby("customer_id", sort=False)
    sums = grouped[["w", "w_late", "w_paid_30d", "w_dso"]].sum(min_count=1)
    result = pd.DataFrame(index=sums.index)
    # Unrounded: the band is computed from it; rounded when written.
    result["score"] = sums["w_late"] / sums["w"] * 100.0
    result["p_paid_30d"] = sums["w_paid_30d"] / sums["w"] * 100.0
    result["dso"] = (sums["w_dso"] / sums["w"]).round(1)
    if "p_paid_30d" in frame:  # the reasons are the time-to-payment model's
        riskiest = frame.loc[grouped["p_paid_30d"].idxmin()].set_index("customer_id")
        result["reasons"] = riskiest["reasons"].reindex(result.index)
    else:
        result["reasons"] = ""
    return result


def with_time_to_payment(scores, ttp, thresholds, no_driver):
    """The risk scores with the time-to-payment model's answer, matched on invoice.

    Dates, days late, P(paid within 7/30/90 days) and P(default) come from the
    time-to-payment frame ``ttp``; the band is on P(not paid within 30 days)
    (``thresholds`` in %); the reasons are that model's, one per line.
    """
    from ..ar_ai_collections import ttp_calibration
    from ..ar_ai_collections import ttp_model as engine_ttp

    ttp = ttp.set_index("invoice_id").reindex(scores["invoice_id"])
    out = scores.copy()
    columns = (*engine_ttp.TTP_SCORE_COLUMNS, *engine_ttp.TTP_REPLACED_COLUMNS)
    for column in (*columns, "p_default"):
        out[column] = ttp[column].to_numpy()
    p_not_paid_30d = 1.0 - out["p_paid_30d"].to_numpy(dtype=float)
    out["risk_band"] = ttp_calibration.ttp_bands(p_not_paid_30d, thresholds)
    reasons = ttp["reasons"].fillna("").astype(str).str.split("; ")
    out["reasons"] = ["\n".join(r for r in items if r) or no_driver for items in reasons]
    return out


def _floats(series):
    """Return a list of Python floats with NaN as None (SQL NULL)."""
    values = series.to_numpy(dtype=float)
    return [None if np.isnan(v) else float(v) for v in values]


def _dates_to_iso(series):
    """Return a list of ``datetime.date`` (or None) from a date-like column."""
    stamps = pd.to_datetime(series)
    return [None if pd.isna(v) else v.date() for v in stamps]
