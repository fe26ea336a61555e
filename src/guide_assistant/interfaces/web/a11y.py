"""What the pages need to meet WCAG 2.2 AA beyond Gradio's defaults: a theme whose colours
pass contrast, a visible focus ring, and a little script for citation links and downloads.

The browser suite runs axe on every view at two widths (tests/test_ui_browser.py).
"""

from __future__ import annotations

import gradio as gr

# Gradio's orange primary (white on #f97316 is 2.8:1) and its subdued grey text (#a3a3a3 on
# white is 2.5:1) fail 1.4.3; blue-700 and neutral-600 pass at 4.5:1 and above.
THEME_COLOURS = {
    "button_primary_background_fill": "*primary_700",
    "button_primary_background_fill_hover": "*primary_800",
    "button_primary_border_color": "*primary_700",
    "button_primary_border_color_hover": "*primary_800",
    "button_primary_background_fill_dark": "*primary_700",
    "button_primary_background_fill_hover_dark": "*primary_800",
    "button_primary_border_color_dark": "*primary_700",
    "button_primary_border_color_hover_dark": "*primary_800",
    "color_accent": "*primary_700",
    "body_text_color_subdued": "*neutral_600",
    "link_text_color": "*primary_700",
    "link_text_color_visited": "*primary_800",
}

# 2.4.7 / 2.4.11: every control shows where the keyboard is; Gradio removes some outlines.
CSS = """
a:focus-visible, button:focus-visible, summary:focus-visible, input:focus-visible,
textarea:focus-visible, select:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid #1d4ed8 !important;
  outline-offset: 2px !important;
  box-shadow: 0 0 0 5px #ffffff !important;
}
/* The theme has no dark variant of the accent (selected tab, links' hover): lighten it there. */
.dark { --color-accent: var(--primary-400) !important; }
a.cite { font-weight: 600; text-decoration: underline; }
/* Quoted sentences: the browser's yellow keeps the page's text colour, light on a dark page. */
mark { background-color: #fde047; color: #0b0c0c; }
details.source > summary { min-height: 24px; }
footer a, footer button { color: var(--body-text-color) !important; }
/* Gradio puts its scroll-to-top button inside the table's role="grid", where a button is not
   allowed (axe aria-required-children, critical); Home and the scroll bar do the same. */
[role="grid"] .scroll-top-button { display: none !important; }
"""

# Runs once the page has loaded. A citation link opens (and focuses) the source entry it
# names, and is named by its title (the chat's sanitiser drops aria-label); the feedback line
# is announced when it changes.
ON_LOAD = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.cite');
    if (!link) return;
    const entry = document.getElementById(link.getAttribute('href').slice(1));
    if (!entry) return;
    event.preventDefault();
    for (let d = entry; d; d = d.parentElement && d.parentElement.closest('details')) {
      d.open = true;  // the entry, and the "Sources" block it sits in
    }
    const summary = entry.querySelector('summary') || entry;
    summary.focus();
    summary.scrollIntoView({block: 'nearest'});
  });
  const announce = () => {
    const status = document.getElementById('fb-status');
    if (status && !status.hasAttribute('role')) {
      status.setAttribute('role', 'status');
    }
    for (const link of document.querySelectorAll('a.cite[title]:not([aria-label])')) {
      link.setAttribute('aria-label', link.title);
    }
  };
  announce();
  new MutationObserver(announce).observe(document.body, {childList: true, subtree: true});
}
"""

# Hands the exported Markdown to the browser as a download: no file is written on the server.
DOWNLOAD = """
(text) => {
  if (!text) return;
  const url = URL.createObjectURL(new Blob([text], {type: 'text/markdown;charset=utf-8'}));
  const link = document.createElement('a');
  link.href = url;
  link.download = 'guide-assistant-conversation.md';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
"""


def theme() -> gr.themes.Base:
    """Gradio's default theme with colours that meet WCAG 2.2 AA contrast."""
    return gr.themes.Default(primary_hue="blue").set(**THEME_COLOURS)
