import json

import lxml.html
from lxml import etree

from odoo import models

# The line of web.minimal_layout's subst() that picks, for the page being printed, the
# header (or footer) of its document: the index of the body file in the call.
PAGE_INDEX_JS = "var index = vars['webpage'].split('.', 4)[3];"
LAYOUT_CONTAINERS = ("minimal_layout_report_headers", "minimal_layout_report_footers")


def share_layout_parts(html):
    """``html`` (the header or footer file of a wkhtmltopdf call) with each distinct
    header or footer kept once, and subst() mapping every document to its copy.

    wkhtmltopdf loads the whole header file and the whole footer file again for every
    page it prints. Odoo puts one header and one footer per document in them, so a
    page costs more as the call holds more documents: 100 letters of one company
    carry 100 identical headers (1.6 MB here, the logo inlined in each) read for each
    of their 213 pages. Returns ``html`` unchanged when there is nothing to share or
    when the layout's script is not the one this function knows.
    """
    if not html or PAGE_INDEX_JS not in html:
        return html
    root = lxml.html.document_fromstring(html)
    containers = [
        node
        for container_id in LAYOUT_CONTAINERS
        for node in root.xpath("//*[@id=$id]", id=container_id)
    ]
    if len(containers) != 1 or len(containers[0]) < 2:
        return html
    container = containers[0]
    positions, index_map = {}, []
    for child in list(container):
        key = etree.tostring(child, with_tail=False)
        if key in positions:
            container.remove(child)
        else:
            positions[key] = len(positions)
        index_map.append(positions[key])
    if len(positions) == len(index_map):
        return html
    shared = lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    return shared.replace(
        PAGE_INDEX_JS,
        f"var index = {json.dumps(index_map)}[vars['webpage'].split('.', 4)[3]];",
        1,
    )


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _prepare_html(self, html, report_model=False):
        """Letters, invoice copies and case-file documents of this module: identical
        headers and footers are sent to wkhtmltopdf once (see share_layout_parts)."""
        result = super()._prepare_html(html, report_model=report_model)
        if not result or not (self[:1].xml_id or "").startswith(
            "recouvrement_amiable."
        ):
            return result
        bodies, res_ids, header, footer, paperformat_args = result
        return (
            bodies,
            res_ids,
            share_layout_parts(header),
            share_layout_parts(footer),
            paperformat_args,
        )
