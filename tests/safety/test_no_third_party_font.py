"""The web app loads no font (nor any stylesheet) from a third-party host.

Contract: frontend.theme.build_theme — every font is served by the web app itself, so a page
view tells no other host about the visitor.
"""

from __future__ import annotations

from frontend.theme import build_theme


def test_the_theme_loads_fonts_only_from_the_app_itself() -> None:
    theme = build_theme()
    css = theme._get_theme_css()
    sheets = [
        font.stylesheet() for font in theme._font + theme._font_mono if hasattr(font, "stylesheet")
    ]
    urls = [sheet["url"] for sheet in sheets if sheet.get("url")]
    assert urls == [], urls
    assert "googleapis" not in css
    assert "fonts.gstatic" not in css
    assert all("static/fonts/" in sheet["css"] for sheet in sheets if sheet.get("css"))
