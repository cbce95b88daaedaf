"""plotly.js from the installed plotly package, and its stylesheet for a strict CSP.

plotly.js normally injects its base CSS as a ``<style>`` element, which a CSP without
'unsafe-inline' blocks. It skips that when the page already has an element with id
``plotly.js-style-global`` and class ``no-inline-styles``: so the page links this stylesheet under
that id, generated from the rules table inside the very plotly.min.js we serve.
"""

from __future__ import annotations

import functools
import logging
import re
from importlib import resources

logger = logging.getLogger(__name__)

PLOTLY_JS = resources.files("plotly") / "package_data" / "plotly.min.js"

_STRING = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*""")
_KEY = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_$][\w$]*)\s*""")


def _js_string(literal: str) -> str:
    if literal[0] not in "\"'":  # a bare identifier key
        return literal
    body = literal[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def parse_rules(js: str) -> dict[str, str]:
    """The ``{"X,X div": "...", ...}`` table of plotly's base CSS (X: the plot, Y: the notifier)."""
    start = js.find('{"X,X div"')
    if start < 0:
        raise ValueError("plotly's CSS rules table not found")
    rules: dict[str, str] = {}
    pos = start + 1
    while True:
        key = _KEY.match(js, pos)
        if not key or js[key.end()] != ":":
            raise ValueError(f"unexpected token at {pos}")
        value = _STRING.match(js, key.end() + 1)
        if not value:
            raise ValueError(f"unexpected value at {key.end() + 1}")
        rules[_js_string(key.group(1))] = _js_string(value.group(1))
        pos = value.end()
        if js[pos] == "}":
            return rules
        if js[pos] != ",":
            raise ValueError(f"unexpected separator at {pos}")
        pos += 1


def css_from_rules(rules: dict[str, str]) -> str:
    """Expand the placeholders the way plotly.js does before calling addStyleRule."""
    out = []
    for selector, body in rules.items():
        full = re.sub(r"^,", " ,", selector).replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        out.append(f"{full}{{{body}}}")
    return "\n".join(out) + "\n"


@functools.lru_cache(maxsize=1)
def plotly_css() -> str:
    """The stylesheet for the installed plotly.js; empty (charts still work, plainer) if not found."""
    try:
        return css_from_rules(parse_rules(PLOTLY_JS.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        logger.warning("cannot extract plotly.js base CSS (%s); the modebar will look plain", exc)
        return ""


_INJECTED = re.compile(r'if\(!document\.getElementById\("([0-9a-f]{16,128})"\)\)\{var [\w$]+=document\.createElement\("style"\)')


@functools.lru_cache(maxsize=1)
def injected_style_ids() -> tuple[str, ...]:
    """Ids of the ``<style>`` blocks plotly.min.js injects at load unless the id already exists
    (the bundled maplibre CSS, for map traces we do not draw); the page carries placeholders."""
    try:
        return tuple(dict.fromkeys(_INJECTED.findall(PLOTLY_JS.read_text(encoding="utf-8"))))
    except OSError:
        return ()
