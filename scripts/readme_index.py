"""Write the addon's description page (static/description/index.html) from its readme
fragments (readme/*.md) and manifest, as OCA's readme generator does; with --check,
fail when the committed page differs from what the fragments give."""

import ast
import html
import sys
from pathlib import Path

import markdown

ADDON = Path(__file__).resolve().parent.parent / "recouvrement_amiable"
SECTIONS = [
    ("DESCRIPTION.md", None),
    ("USAGE.md", "Usage"),
    ("CONFIGURE.md", "Configuration"),
]
SCREENSHOTS = [
    (
        "screenshot_worklist.png",
        "Customers in recovery: what each owes today and what comes next",
    ),
    (
        "screenshot_today.png",
        "Today: calls, letters, notices to validate, with counters",
    ),
    ("screenshot_customer.png", "A customer: level, next action, claim today"),
    ("screenshot_worklist_kanban.png", "Customers by level"),
    ("screenshot_analysis.png", "Recovery analysis"),
    (
        "screenshot_case_file.png",
        "The case file: checks, exhibits, procedure suggestion",
    ),
]
BADGE = "background: #1f4e79; color: #fff; border-radius: 3px; padding: 0 .5em;"
STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #222; max-width: 60em;
       margin: 1em auto; line-height: 1.45; }
h1 { color: #1f4e79; } h2 { border-bottom: 1px solid #ccc; color: #1f4e79; }
.badges span { display: inline-block; background: #1f4e79; color: #fff;
               border-radius: 3px; padding: 0 .5em; margin-right: .3em;
               font-size: .85em; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: .9em; }
"""


def render():
    manifest = ast.literal_eval((ADDON / "__manifest__.py").read_text())
    md = markdown.Markdown(extensions=["tables"])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8" />',
        f"<title>{html.escape(manifest['name'])}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(manifest['name'])}</h1>",
        # inline styles: Odoo's Apps page drops the <style> element
        '<p class="badges">'
        + " · ".join(
            f'<span style="{BADGE}">{html.escape(text)}</span>'
            for text in (
                manifest["license"],
                f"Odoo {manifest['version'][:4]}",
                manifest["version"],
            )
        )
        + "</p>",
        f"<p><em>{html.escape(manifest['summary'])}</em></p>",
    ]
    for fragment, title in SECTIONS:
        path = ADDON / "readme" / fragment
        if not path.exists():
            continue
        if title:
            parts.append(f"<h2>{title}</h2>")
        parts.append(md.reset().convert(path.read_text(encoding="utf-8")))
    shots = [s for s in SCREENSHOTS if (ADDON / "static/description" / s[0]).exists()]
    if shots:
        parts.append("<h2>Screenshots</h2>")
        for name, caption in shots:
            parts.append(
                f'<figure><img src="{name}" alt="{html.escape(caption)}"'
                ' style="max-width: 100%; border: 1px solid #ddd;" />'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
    parts.append("<h2>Credits</h2>")
    parts.append(f"<p>Authors: {html.escape(manifest['author'])}</p>")
    contributors = ADDON / "readme" / "CONTRIBUTORS.md"
    if contributors.exists():
        parts.append("<p>Contributors:</p>")
        parts.append(md.reset().convert(contributors.read_text(encoding="utf-8")))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def main():
    target = ADDON / "static" / "description" / "index.html"
    page = render()
    if "--check" in sys.argv:
        if not target.exists() or target.read_text(encoding="utf-8") != page:
            sys.exit(
                f"{target} is out of date with the readme fragments: "
                "run bash scripts/readme"
            )
        print("description page: up to date")
        return
    target.write_text(page, encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
