"""HTML → PDF with WeasyPrint. The font is the system's Noto Serif CJK SC (Debian fonts-noto-cjk):
WeasyPrint embeds it and keeps only the glyphs used (HarfBuzz subsetting). One weight only: each
embedded CJK face costs about 115 KB however few glyphs it keeps, and a notice stays well under
300 KB with one. No web fonts, no network: the URL fetcher refuses every external resource."""
import logging
from functools import lru_cache

from django.template.loader import render_to_string

from .content import TEMPLATES

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one line per layout step otherwise


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"notices load no external resource ({url})")


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_html(context: dict) -> str:
    return render_to_string(TEMPLATES[context["kind"]], context)


def render_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    html = HTML(string=render_html(context), url_fetcher=_no_fetch)
    return html.write_pdf(font_config=_font_config())
