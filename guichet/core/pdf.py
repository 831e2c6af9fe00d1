"""What every PDF Guichet draws shares: DejaVu Sans embedded (French and English, é « » — € œ ’)."""

from __future__ import annotations

from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# Debian's fonts-dejavu-core.
FONT_DIR = "/usr/share/fonts/truetype/dejavu"


@cache
def dejavu_fonts() -> tuple[str, str]:
    """Registers DejaVu Sans (regular and bold) with reportlab once; returns their names."""
    pdfmetrics.registerFont(TTFont("DejaVu", f"{FONT_DIR}/DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", f"{FONT_DIR}/DejaVuSans-Bold.ttf"))
    return "DejaVu", "DejaVu-Bold"
