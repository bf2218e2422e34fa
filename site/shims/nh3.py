"""``nh3`` for Pyodide, where the Rust original has no build: the same ``clean`` call, done by bleach.

Panel sanitizes the strings it sends to some components with ``nh3.clean`` (imported on first use).
This module keeps that call's contract with ammonia's (nh3's) default allow-lists, copied from
nh3 0.3.8's ``ALLOWED_TAGS`` / ``ALLOWED_ATTRIBUTES``: disallowed tags are stripped (their text
kept), the contents of ``<script>`` and ``<style>`` are dropped, attributes outside the lists and
comments are removed, links get ``rel="noopener noreferrer"``. One difference from ammonia: the
URL schemes allowed are bleach's (http, https, mailto). ``site/runtime.py --panel`` packages it as a wheel.
"""

from __future__ import annotations

import re

import bleach

__version__ = "0.3.8"

ALLOWED_TAGS = {
    "a", "abbr", "acronym", "area", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption",
    "center", "cite", "code", "col", "colgroup", "data", "dd", "del", "details", "dfn", "div", "dl", "dt",
    "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
    "i", "img", "ins", "kbd", "li", "map", "mark", "nav", "ol", "p", "pre", "q", "rp", "rt", "rtc", "ruby",
    "s", "samp", "small", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th",
    "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "hreflang"},
    "bdo": {"dir"},
    "blockquote": {"cite"},
    "col": {"align", "char", "charoff", "span"},
    "colgroup": {"align", "char", "charoff", "span"},
    "del": {"cite", "datetime"},
    "hr": {"align", "size", "width"},
    "img": {"align", "alt", "height", "src", "width"},
    "ins": {"cite", "datetime"},
    "ol": {"start"},
    "q": {"cite"},
    "table": {"align", "char", "charoff", "summary"},
    "tbody": {"align", "char", "charoff"},
    "td": {"align", "char", "charoff", "colspan", "headers", "rowspan"},
    "tfoot": {"align", "char", "charoff"},
    "th": {"align", "char", "charoff", "colspan", "headers", "rowspan", "scope"},
    "thead": {"align", "char", "charoff"},
    "tr": {"align", "char", "charoff"},
}
_CONTENT_TAGS = ("script", "style")


def clean(
    html: str,
    tags=None,
    clean_content_tags=None,
    attributes=None,
    strip_comments=True,
    link_rel="noopener noreferrer",
    **_ignored,
) -> str:
    """Sanitize an HTML fragment: keep only allowed tags and attributes (see the module docstring)."""
    for tag in clean_content_tags or _CONTENT_TAGS:
        html = re.sub(rf"<{tag}\b.*?</{tag}\s*>", "", html, flags=re.IGNORECASE | re.DOTALL)
    allowed = ALLOWED_ATTRIBUTES if attributes is None else attributes
    html = bleach.clean(
        html,
        tags=ALLOWED_TAGS if tags is None else set(tags),
        attributes={tag: sorted(names) for tag, names in allowed.items()},
        strip=True,
        strip_comments=strip_comments,
    )
    if link_rel:  # bleach's output is normalized markup, so a pattern can find the opening tags
        html = re.sub(r"<a(\s[^>]*)?>", lambda m: f'<a{m.group(1) or ""} rel="{link_rel}">', html)
    return html
