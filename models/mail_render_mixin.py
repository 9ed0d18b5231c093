"""Fast ``format_amount`` / ``format_date`` for the reminders of a dunning batch.

A reminder lists every overdue invoice of the customer, so a batch of 500 emails
calls the templates' ``format_amount`` and ``format_date`` about 20,000 times.
Odoo's helpers resolve the language (``get_lang``: installed languages, context,
company) and evaluate its grouping on every call, which was 40% of the time to
queue a reminder. Inside a dunning batch (context key ``ai_dunning_render_token``)
the render context gets equivalent helpers: dates are memoized for the batch,
amounts formatted with the language's separators (resolved once per render call)
and Odoo's own ``intersperse``. The output is the same string as Odoo's
(tests/test_dunning_render.py compares them over several languages).
"""

import ast

from odoo import models, tools
from odoo.addons.base.models.res_lang import intersperse

from .ir_qweb import render_cache

NBSP = "\N{NO-BREAK SPACE}"
MINUS = "-\N{ZERO WIDTH NO-BREAK SPACE}"


def amount_formatter(env, fallback):
    """``format_amount(amount, currency, lang_code=False)`` for one render call.

    ``fallback`` is Odoo's helper, used for anything but a currency record.
    """
    specs = {}

    def spec_of(currency, lang_code):
        key = (currency.id, lang_code)
        if key not in specs:
            lang = tools.get_lang(env, lang_code)
            symbol = currency.symbol or ""
            before = currency.position == "before"
            specs[key] = (
                currency.decimal_places,
                currency.rounding,
                ast.literal_eval(lang.grouping),
                lang.thousands_sep or "",
                lang.decimal_point,
                f"{symbol}{NBSP}" if before else "",
                "" if before else f"{NBSP}{symbol}",
            )
        return specs[key]

    def format_amount(amount, currency, lang_code=False):
        if not isinstance(currency, models.BaseModel) or len(currency) != 1:
            return fallback(amount, currency, lang_code)
        digits, rounding, grouping, thousands, point, pre, post = spec_of(currency, lang_code)
        value = tools.float_round(amount, precision_rounding=rounding)
        parts = f"{value:.{digits}f}".split(".")
        parts[0] = intersperse(parts[0], grouping, thousands)[0]
        text = point.join(parts).replace(" ", NBSP).replace("-", MINUS)
        return f"{pre}{text}{post}"

    return format_amount


def memoized(function, results, *scope):
    """``function`` with its results kept in ``results`` under ``scope`` + arguments.

    Arguments that cannot be hashed are not memoized.
    """

    def call(*args, **kwargs):
        key = (*scope, args, tuple(sorted(kwargs.items())))
        try:
            return results[key]
        except KeyError:
            results[key] = function(*args, **kwargs)
            return results[key]
        except TypeError:  # unhashable argument: no memo
            return function(*args, **kwargs)

    return call


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    def _render_eval_context(self):
        render_context = super()._render_eval_context()
        batch = render_cache(self.env.context.get("ai_dunning_render_token"))
        if batch is not None:
            render_context["format_amount"] = amount_formatter(
                self.env, render_context["format_amount"]
            )
            # A date's text depends on the arguments, the language and the time zone.
            render_context["format_date"] = memoized(
                render_context["format_date"],
                batch["formatted"],
                self.env.context.get("lang"),
                self.env.context.get("tz"),
            )
        return render_context
