"""The status page is one self-contained document: nothing loaded from anywhere but this app."""

from __future__ import annotations

import re

from triggers.dashboard import _hash_source, inline_blocks, page


def test_the_page_is_html_with_its_css_and_script_inline_and_no_outside_reference():
    html, _headers = page()
    assert html.startswith("<!doctype html>")
    assert len(inline_blocks(html, "script")) == 1 and len(inline_blocks(html, "style")) == 1
    assert not re.search(r"<script[^>]*\bsrc=", html) and not re.search(r"<link[^>]*stylesheet", html)
    assert not re.search(r"https?://", html), re.findall(r"https?://\S+", html)
    assert "@import" not in html and "url(" not in html


def test_the_content_security_policy_allows_only_the_pages_own_inline_blocks_and_this_origin():
    html, headers = page()
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'self'"
    assert policy["script-src"] == _hash_source(inline_blocks(html, "script")[0])
    assert policy["style-src"] == _hash_source(inline_blocks(html, "style")[0])
    assert headers["Referrer-Policy"] == "no-referrer"  # the page's URL carries the function key


def test_every_form_control_has_a_label_and_every_action_is_a_button():
    html, _ = page()
    for control in re.findall(r'<(?:select|input|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'for="{control}"' in html, control
    actions = re.findall(r'<button type="button"[^>]*data-action="(\w+)">(\w+)</button>', html)
    assert [a for a, _label in actions] == ["approve", "reject", "abort", "pause", "resume", "undo"]
    assert '<meta name="viewport"' in html and '<html lang="en">' in html
