"""Compile a reminder template's QWeb body once per batch of dunning emails.

``mail.render.mixin`` renders a template's body for each record from a freshly
parsed element, which ``ir.qweb`` compiles anew every time (its cache only covers
views). Inside a dunning batch (context key ``ai_dunning_render_token``) the
compiled functions are reused for identical template sources; the cache lives only
as long as the batch (``release_render_cache``). The same batch cache keeps the
formatted dates of ``models/mail_render_mixin.py``.
"""

from lxml import etree

from odoo import models

# token -> {"templates": {(template source, cache keys): compiled functions},
#           "formatted": {(language, time zone, arguments): formatted value}}
_BATCHES = {}


def open_render_cache(token):
    """Start caching compiled templates and formatted values for the batch ``token``."""
    _BATCHES.setdefault(token, {"templates": {}, "formatted": {}})


def release_render_cache(token):
    """Drop the caches of the batch ``token``."""
    _BATCHES.pop(token, None)


def render_cache(token):
    """The caches of the batch ``token`` (None outside a batch)."""
    return _BATCHES.get(token)


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        batch = render_cache(self.env.context.get("ai_dunning_render_token"))
        if batch is None or not isinstance(template, etree._Element):
            return super()._compile(template)
        context = self.env.context
        key = (
            etree.tostring(template),
            tuple(context.get(k) for k in self._get_template_cache_keys()),
            context.get("raise_on_forbidden_code_for_model"),
        )
        cache = batch["templates"]
        if key not in cache:
            cache[key] = super()._compile(template)
        return cache[key]
