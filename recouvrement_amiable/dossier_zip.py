"""The case file's ZIP and manifest, with no ORM: names that any file system and any
mail header accept, byte-reproducible archives, integrity manifests.

The same files and the same metadata give the same bytes: fixed timestamps, entries
in their order, JSON and XML written with sorted keys, the creation dates wkhtmltopdf
writes into a PDF replaced by the case file's own date, the tags of its embedded font
subsets renamed in the order they appear.
"""

import hashlib
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date

from lxml import etree

# Every ZIP entry carries this date: the archive depends on its content only
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) ?\(D:)(\d{4,14})([^)]*\))")
# "/FontName /QXAAAA+Lato-Bold": a font subset's six-letter tag and the font's name
_SUBSET_TAG = re.compile(rb"(/(?:FontName|BaseFont) ?/)([A-Z]{6})(\+[^\s/<>\[\]()]+)")


def clean_text(text):
    """``text`` on one line, without control characters (a name with a tab, a newline
    or a NUL breaks mail headers, XML and file names): each run of them becomes one
    space."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text or "")).strip()


def slug(text, limit=60, default="document"):
    """An ASCII file-name part: accents dropped, anything else than letters and digits
    turned into single underscores, at most ``limit`` characters."""
    text = unicodedata.normalize("NFKD", clean_text(text))
    text = text.encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
    return text[:limit].strip("_") or default


def exhibit_filename(number, label, extension="pdf"):
    """``Piece_01_Conditions_generales.pdf``: numbered as on the bordereau."""
    ext = slug(extension, 8, "bin").lower()
    return f"Piece_{number:02d}_{slug(label, 60)}.{ext}"


def normalize_pdf_dates(content, on_date):
    """``content`` with the creation and modification dates wkhtmltopdf writes set to
    ``on_date`` at midnight: two renderings of the same document are then the same
    bytes. The replacement keeps every length, so the PDF's cross-reference table
    stays right."""
    stamp = on_date.strftime("%Y%m%d000000").encode()

    def replace(match):
        digits = match.group(2)
        return (
            match.group(1)
            + stamp[: len(digits)].ljust(len(digits), b"0")
            + match.group(3)
        )

    return _PDF_DATE.sub(replace, content)


def stable_subset_tags(content):
    """``content`` with its font subsets tagged AAAAAA, AAAAAB... in the order they
    appear. wkhtmltopdf tags them in the order the web fonts finished downloading,
    which varies from one rendering to the next; once the PDF's objects are written
    in a fixed order (Odoo's ``merge_pdf`` does), the tags follow it. Each tag keeps
    its six letters, so the cross-reference table stays right."""
    tags = {}

    def replace(match):
        key = match.group(2, 3)
        if key not in tags:
            number, letters = len(tags), b""
            for _position in range(6):
                number, rest = divmod(number, 26)
                letters = bytes([65 + rest]) + letters
            tags[key] = letters
        return match.group(1) + tags[key] + match.group(3)

    return _SUBSET_TAG.sub(replace, content)


def sha256(content):
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class Entry:
    """What the manifest says of one file of the archive. ``number`` is the
    exhibit's (None for the bordereau, the cover note and the annexes)."""

    path: str
    sha256: str
    size: int
    title: str = ""
    number: int | None = None
    day: date | None = None
    missing: bool = False


def manifest(meta, entries):
    """The manifest as a dict: ``meta`` (generated on, by, recipient, parties, claim)
    and every file with its number, title, size and SHA-256."""
    return dict(
        meta,
        files=[
            {
                "path": entry.path,
                "number": entry.number,
                "title": entry.title,
                "date": entry.day.isoformat() if entry.day else "",
                "missing": entry.missing,
                "size": entry.size,
                "sha256": entry.sha256,
            }
            for entry in entries
        ],
    )


def manifest_json(data):
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()


def manifest_xml(data):
    root = etree.Element("case_file", version="2")
    for key in sorted(k for k, v in data.items() if not isinstance(v, dict | list)):
        etree.SubElement(root, key).text = clean_text(str(data[key]))
    for key in sorted(k for k, v in data.items() if isinstance(v, dict)):
        node = etree.SubElement(root, key)
        for sub in sorted(data[key]):
            value = data[key][sub]
            if isinstance(value, list):
                value = ", ".join(str(item) for item in value)
            etree.SubElement(node, sub).text = clean_text(str(value))
    files = etree.SubElement(root, "files")
    for item in data.get("files", []):
        node = etree.SubElement(
            files,
            "file",
            path=item["path"],
            sha256=item["sha256"],
            size=str(item["size"]),
        )
        if item["number"] is not None:
            node.set("number", str(item["number"]))
        if item["missing"]:
            node.set("missing", "true")
        if item["date"]:
            node.set("date", item["date"])
        node.text = clean_text(item["title"])
    return etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


def _info(path):
    """An entry dated ZIP_DATE, readable by all once extracted (rw-r--r--)."""
    info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
    info.external_attr = 0o100644 << 16
    return info


class CaseFileZip:
    """Writes the files one at a time into ``stream`` (each is hashed, written and
    dropped: a case file of hundreds of exhibits is never whole in memory), then the
    manifests. PDFs are stored (already compressed), the rest deflated; every entry
    is dated ZIP_DATE."""

    def __init__(self, stream):
        self.entries = []
        self._zip = zipfile.ZipFile(stream, "w", allowZip64=True)

    def add(self, path, content, **meta):
        if any(entry.path == path for entry in self.entries):
            raise ValueError(f"two files named {path}")
        compress = (
            zipfile.ZIP_STORED
            if path.lower().endswith(".pdf")
            else zipfile.ZIP_DEFLATED
        )
        self._zip.writestr(_info(path), content, compress_type=compress)
        entry = Entry(path, sha256(content), len(content), **meta)
        self.entries.append(entry)
        return entry

    def close(self, meta):
        """Write the manifests; return the manifest as a dict."""
        data = manifest(meta, self.entries)
        for name, content in (
            ("manifest.xml", manifest_xml(data)),
            ("manifest.json", manifest_json(data)),
        ):
            self._zip.writestr(_info(name), content, compress_type=zipfile.ZIP_DEFLATED)
        self._zip.close()
        return data

    def abort(self):
        if self._zip.fp:
            self._zip.close()
