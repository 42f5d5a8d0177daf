"""`GET /api/dashboard`: the operators' status page (CONTRACT §8), one self-contained HTML document.

Locked-down subscriptions block CDNs, so the page carries its CSS and JavaScript inline and calls
only this app's own API (with the function key it was opened with, `?code=`). Its Content Security
Policy allows exactly that: the inline style and script by their hashes, requests to this origin.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()
PAGE = Path(__file__).with_name("dashboard.html")


def _hash_source(block: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode("ascii") + "'"


def inline_blocks(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.DOTALL)


@lru_cache(maxsize=1)
def page() -> tuple[str, dict[str, str]]:
    """The page and its headers; the CSP names the page's own inline blocks by hash, nothing else."""
    html = PAGE.read_text(encoding="utf-8")
    scripts = " ".join(_hash_source(block) for block in inline_blocks(html, "script"))
    styles = " ".join(_hash_source(block) for block in inline_blocks(html, "style"))
    policy = (f"default-src 'none'; script-src {scripts}; style-src {styles}; connect-src 'self'; img-src 'self' data:; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    headers = {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",  # the URL carries the function key
    }
    return html, headers


@bp.route(route="dashboard", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def dashboard(req: func.HttpRequest) -> func.HttpResponse:
    html, headers = page()
    return func.HttpResponse(html, status_code=200, mimetype="text/html", charset="utf-8", headers=headers)
