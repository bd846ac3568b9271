"""DRF's browsable API under the Content-Security-Policy."""

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML view of the API, allowed inline styles (its templates set
    `style` attributes). Scripts stay 'self': its script is files only."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}  # read by django-csp's middleware
        return super().render(data, accepted_media_type, renderer_context)
