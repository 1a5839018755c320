"""One dark theme for the whole app, plus the CSS for the landing page and small screens."""

from __future__ import annotations

from typing import Any

import gradio as gr


def build_theme() -> Any:
    """Indigo-on-slate dark theme: the same colours in light and dark mode (dark only)."""
    base = gr.themes.Base(
        primary_hue=gr.themes.colors.indigo,
        secondary_hue=gr.themes.colors.emerald,
        neutral_hue=gr.themes.colors.slate,
        # Served by the web app itself (Gradio bundles it): a font from a third-party host would
        # tell that host about every visitor.
        font=[gr.themes.LocalFont("IBM Plex Sans"), "system-ui", "sans-serif"],
        radius_size=gr.themes.sizes.radius_md,
    )
    dark = {
        "body_background_fill": "#0b1020",
        "body_text_color": "#e2e8f0",
        "body_text_color_subdued": "#94a3b8",
        "background_fill_primary": "#111827",
        "background_fill_secondary": "#0f172a",
        "block_background_fill": "#111827",
        "block_border_color": "#1f2937",
        "block_label_text_color": "#94a3b8",
        "block_title_text_color": "#e2e8f0",
        "border_color_primary": "#1f2937",
        "input_background_fill": "#0f172a",
        "input_border_color": "#334155",
        "button_primary_background_fill": "#6366f1",
        "button_primary_background_fill_hover": "#818cf8",
        "button_primary_text_color": "#ffffff",
        "button_secondary_background_fill": "#1e293b",
        "button_secondary_background_fill_hover": "#334155",
        "button_secondary_text_color": "#e2e8f0",
        "color_accent_soft": "#312e81",
        "table_even_background_fill": "#0f172a",
        "table_odd_background_fill": "#111827",
        "code_background_fill": "#0f172a",
    }
    # Setting both variants keeps the page dark whatever the visitor's system prefers.
    return base.set(**dark, **{f"{key}_dark": value for key, value in dark.items()})


CSS = """
.gradio-container { max-width: 1180px !important; margin: 0 auto !important; }
/* Full width up to the maximum: otherwise the centred container shrinks to each tab's content
   and every tab renders at its own width. */
.gradio-container { width: 100% !important; }
/* Signed in (Sign out is shown), the navigation does not offer to sign in. Done in CSS because
   Gradio 6 does not apply a Tab's visibility when an event changes it. */
.gradio-container:has(#sign-out) #nav button[data-tab-id="signin"] { display: none !important; }
#brand-bar { align-items: center; gap: 12px; }
#brand-bar .brand { font-weight: 700; font-size: 1.15rem; letter-spacing: .01em; }
.hero { text-align: center; padding: 48px 12px 24px; }
.hero h1 { font-size: clamp(2rem, 5vw, 3.4rem); line-height: 1.1; margin: 0 0 12px;
  background: linear-gradient(90deg, #a5b4fc, #34d399); -webkit-background-clip: text;
  background-clip: text; color: transparent; }
.hero p { font-size: clamp(1rem, 2.2vw, 1.25rem); color: #94a3b8; max-width: 720px;
  margin: 0 auto; }
.grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
  margin: 12px 0; }
.card { background: #111827; border: 1px solid #1f2937; border-radius: 14px; padding: 20px; }
.card h3 { margin: 0 0 6px; font-size: 1.05rem; }
.card p, .card li { color: #94a3b8; margin: 0; }
.card ul { padding-left: 18px; margin: 8px 0 0; }
.price { font-size: 2rem; font-weight: 700; margin: 6px 0; color: #e2e8f0; }
.card.featured { border-color: #6366f1; box-shadow: 0 0 0 1px #6366f1 inset; }
.section-title { text-align: center; margin: 36px 0 8px; }
#cta-row, #pricing-cta { justify-content: center; }
#cta-row button, #pricing-cta button { max-width: 260px; }
#demo-shot img { border-radius: 12px; border: 1px solid #1f2937; max-height: 760px;
  object-fit: cover; object-position: top; }
#run-status { font-family: ui-monospace, monospace; }
#signup-prompt { border: 1px solid #6366f1; border-radius: 12px; padding: 12px; }
#csv-file { display: none !important; }
#headline .headline { font-size: 1.15rem; margin: 4px 0 0; }
.big-number { padding: 16px 20px; border: 1px solid #1f2937; border-radius: 12px; }
.big-number .value { font-size: 2.6rem; font-weight: 700; color: #e2e8f0; }
.big-number .label { color: #94a3b8; }
@media (max-width: 640px) {
  .hero { padding: 28px 4px 12px; }
  .gradio-container { padding: 0 6px !important; }
  .gradio-container .row { flex-wrap: wrap !important; }
  .gradio-container .row > * { min-width: min(100%, 140px) !important; }
  #brand-bar > * { flex: 1 1 auto !important; }
  #nav .tab-container { flex-wrap: wrap; height: auto; }
  #nav .tab-container button { padding: 6px 8px; font-size: .9rem; }
  #nav .tab-wrapper { height: auto; overflow-x: clip; }
}
"""
