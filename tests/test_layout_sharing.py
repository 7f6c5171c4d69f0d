"""Headers and footers shared between the documents of one wkhtmltopdf call."""

import json
import re

from odoo.addons.recouvrement_amiable.models.ir_actions_report import (
    PAGE_INDEX_JS,
    share_layout_parts,
)

SCRIPT = f"""<script>function subst() {{
    var vars = {{webpage: '/tmp/report.body.tmp.2.x.html'}};
    {PAGE_INDEX_JS}
    var header = document.getElementById('minimal_layout_report_headers');
}}</script>"""


def header_file(*headers, script=SCRIPT):
    children = "".join(
        f'<div class="header o_company_{company}_layout">'
        f'<img src="data:logo{company}"/><span>{company}</span></div>'
        for company in headers
    )
    return (
        f"<!DOCTYPE html><html><head>{script}</head><body>"
        f'<div id="minimal_layout_report_headers">{children}</div></body></html>'
    )


def index_map(html):
    return json.loads(re.search(r"var index = (\[[^\]]*\])\[", html).group(1))


def test_identical_headers_are_kept_once():
    shared = share_layout_parts(header_file(1, 1, 1, 1))
    assert shared.count("o_company_1_layout") == 1
    assert index_map(shared) == [0, 0, 0, 0]
    assert "<script>" in shared and "<!DOCTYPE html>" in shared


def test_each_document_keeps_its_own_company_header():
    shared = share_layout_parts(header_file(1, 2, 1, 2, 3))
    assert [int(c) for c in re.findall(r"o_company_(\d)_layout", shared)] == [1, 2, 3]
    assert index_map(shared) == [0, 1, 0, 1, 2]


def test_footers_are_shared_too():
    footer = header_file(1, 1).replace(
        "minimal_layout_report_headers", "minimal_layout_report_footers"
    )
    shared = share_layout_parts(footer)
    assert shared.count("o_company_1_layout") == 1
    assert index_map(shared) == [0, 0]


def test_nothing_to_share_or_an_unknown_layout_is_left_alone():
    for html in (
        header_file(1),
        header_file(1, 2),
        header_file(1, 1, script="<script>function subst() {}</script>"),
        "",
        None,
    ):
        assert share_layout_parts(html) == html
