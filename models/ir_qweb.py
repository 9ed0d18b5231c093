"""Compile a reminder template's QWeb body once per batch of dunning emails.

``mail.render.mixin`` renders a template's body for each record from a freshly
parsed element, which ``ir.qweb`` compiles anew every time (its cache only covers
views). Inside a dunning batch (context key ``ai_dunning_render_token``) the
compiled functions are reused for identical template sources; the cache lives only
as long as the batch (``release_render_cache``).
"""

from lxml import etree

from odoo import models

# token -> {(template source, cache keys): compiled functions}
_COMPILED = {}


def open_render_cache(token):
    """Start caching compiled templates for the batch ``token``."""
    _COMPILED.setdefault(token, {})


def release_render_cache(token):
    """Drop the compiled templates of the batch ``token``."""
    _COMPILED.pop(token, None)


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        token = self.env.context.get("ai_dunning_render_token")
        if not token or token not in _COMPILED or not isinstance(template, etree._Element):
            return super()._compile(template)
        context = self.env.context
        key = (
            etree.tostring(template),
            tuple(context.get(k) for k in self._get_template_cache_keys()),
            context.get("raise_on_forbidden_code_for_model"),
        )
        cache = _COMPILED[token]
        if key not in cache:
            cache[key] = super()._compile(template)
        return cache[key]
