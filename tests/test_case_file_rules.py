"""The case file's pure rules (no ORM): which procedure and court to suggest, names
that any file system and mail header accept, a ZIP that is the same for the same
data, PDFs whose creation date does not change their bytes."""

import hashlib
import io
import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from odoo.addons.recouvrement_amiable import dossier_zip, legal, procedure

D = Decimal


# ---------------------------------------------------------------- procedure
@pytest.mark.parametrize(
    "debtor_type, legal_form, expected",
    [
        ("b2b_commercant", "SARL", procedure.COMMERCIAL_COMPANY),
        ("b2b_commercant", "sas", procedure.COMMERCIAL_COMPANY),
        ("b2b_commercant", "S.A.S.U.", procedure.COMMERCIAL_COMPANY),
        ("b2b_commercant", "EI", procedure.TRADER),
        ("b2b_commercant", "", procedure.TRADER),
        ("b2b_commercant", "SELARL", procedure.TRADER),
        ("b2b_non_commercant", "Association", procedure.NON_TRADER),
        ("b2b_non_commercant", "SARL", procedure.NON_TRADER),
        ("b2c", "", procedure.INDIVIDUAL),
    ],
)
def test_category_for_the_court(debtor_type, legal_form, expected):
    assert procedure.category(debtor_type, legal_form) == expected


def test_small_claims_up_to_5000_in_principal_and_interest():
    at = procedure.suggest(procedure.COMMERCIAL_COMPANY, D("5000.00"), False, "Lyon")
    above = procedure.suggest(procedure.COMMERCIAL_COMPANY, D("5000.01"), False, "Lyon")
    assert at.procedure == procedure.SMALL_CLAIMS and at.small_claims_possible
    assert above.procedure == procedure.ORDER_FOR_PAYMENT
    assert not above.small_claims_possible


def test_a_disputed_claim_goes_to_the_merits():
    found = procedure.suggest(procedure.TRADER, D("800"), True, "Lyon")
    assert found.procedure == procedure.MERITS
    assert found.small_claims_possible  # said on the note, not suggested


def test_lawyer_required_on_opposition_above_10000():
    assert not procedure.suggest(
        procedure.TRADER, D("10000"), False
    ).lawyer_on_opposition
    assert procedure.suggest(
        procedure.TRADER, D("10000.01"), False
    ).lawyer_on_opposition


@pytest.mark.parametrize(
    "category, city, zip_code, court, form",
    [
        # commercial debtors: the TAE in the twelve experimental jurisdictions
        (procedure.COMMERCIAL_COMPANY, "Paris", "75002", procedure.COURT_TAE, "12946"),
        (
            procedure.COMMERCIAL_COMPANY,
            "PARIS 11E",
            "75011",
            procedure.COURT_TAE,
            "12946",
        ),
        (procedure.TRADER, "Saint-Brieuc", "22000", procedure.COURT_TAE, "12946"),
        (procedure.TRADER, "Le Havre", "76600", procedure.COURT_TAE, "12946"),
        (procedure.TRADER, "Lille", "59000", procedure.COURT_COMMERCE, "12946"),
        (procedure.TRADER, "", "", procedure.COURT_COMMERCE, "12946"),
        # Alsace-Moselle: the commercial chamber of the judicial court
        (
            procedure.COMMERCIAL_COMPANY,
            "Metz",
            "57000",
            procedure.COURT_JUDICIAIRE_COMMERCIAL,
            "12948",
        ),
        (
            procedure.TRADER,
            "Strasbourg",
            "67000",
            procedure.COURT_JUDICIAIRE_COMMERCIAL,
            "12948",
        ),
        # anyone else: the judicial court, wherever it is
        (procedure.NON_TRADER, "Paris", "75002", procedure.COURT_JUDICIAIRE, "12948"),
        (procedure.INDIVIDUAL, "Metz", "57000", procedure.COURT_JUDICIAIRE, "12948"),
    ],
)
def test_court(category, city, zip_code, court, form):
    found = procedure.suggest(category, D("100"), False, city, zip_code)
    assert found.court == court
    assert form in found.form
    assert found.seat == city


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("732829320", "732 829 320"),
        ("73282932000074", "732 829 320 00074"),
        ("732 829 320 00074", "732 829 320 00074"),
        ("1234", "1234"),
        ("", ""),
    ],
)
def test_format_registration(raw, expected):
    assert procedure.format_registration(raw) == expected


# ---------------------------------------------------------------- names
@given(st.text())
def test_clean_text_is_one_line_without_control_characters(text):
    cleaned = dossier_zip.clean_text(text)
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in cleaned)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned


@given(st.text(), st.integers(min_value=1, max_value=999))
def test_exhibit_file_names_are_portable(label, number):
    name = dossier_zip.exhibit_filename(number, label, "pdf")
    assert name.startswith(f"Piece_{number:02d}_")
    assert name.endswith(".pdf")
    assert all(c.isascii() and (c.isalnum() or c in "_.") for c in name)
    assert len(name) <= 80


def test_slug_keeps_the_words():
    assert dossier_zip.slug("Société Générale\t& Fils\n") == "Societe_Generale_Fils"
    assert dossier_zip.slug("\x07\x00") == "document"


# ---------------------------------------------------------------- PDF dates
PDF = (
    b"%PDF-1.4\n1 0 obj <</Creator (wkhtmltopdf)/CreationDate (D:20261201023246Z)"
    b"/ModDate (D:20261201023246+01'00')>> endobj\nxref\n0 2\n0000000000 65535 f \n"
    b"0000000009 00000 n \ntrailer <</Info 1 0 R>>\nstartxref\n120\n%%EOF\n"
)


def test_pdf_dates_become_the_case_file_date_at_the_same_length():
    normalized = dossier_zip.normalize_pdf_dates(PDF, date(2026, 6, 1))
    assert len(normalized) == len(PDF)
    assert b"/CreationDate (D:20260601000000Z)" in normalized
    assert b"/ModDate (D:20260601000000+01'00')" in normalized
    # rendered again a minute later: the same bytes
    later = PDF.replace(b"023246", b"023347")
    assert dossier_zip.normalize_pdf_dates(later, date(2026, 6, 1)) == normalized


def test_font_subsets_tagged_in_the_order_they_appear():
    """The same document rendered twice: wkhtmltopdf tagged its two fonts the other
    way round the second time; once retagged, the same bytes."""
    first = (
        b"<</FontName /QXAAAA+Lato-Regular>> <</BaseFont /QXAAAA+Lato-Regular>>"
        b" <</FontName /QXAAAB+Lato-Bold>> <</BaseFont /Helvetica>>"
    )
    second = first.replace(b"QXAAAA", b"TMP").replace(b"QXAAAB", b"QXAAAA")
    second = second.replace(b"TMP", b"QXAAAB")
    assert second != first
    retagged = dossier_zip.stable_subset_tags(first)
    assert dossier_zip.stable_subset_tags(second) == retagged
    assert len(retagged) == len(first)
    assert retagged == (
        b"<</FontName /AAAAAA+Lato-Regular>> <</BaseFont /AAAAAA+Lato-Regular>>"
        b" <</FontName /AAAAAB+Lato-Bold>> <</BaseFont /Helvetica>>"
    )


def test_pdf_without_dates_unchanged():
    assert dossier_zip.normalize_pdf_dates(b"%PDF-1.4 x", date(2026, 6, 1)) == (
        b"%PDF-1.4 x"
    )


# ---------------------------------------------------------------- ZIP
META = {
    "reference": "DOS/2026/0001",
    "date": "2026-06-01",
    "prepared_by": "Marie\tDupont\n",
    "claim": {"total": "1712.12", "invoices": ["FAC/1", "FAC/2"]},
}


def build(files):
    stream = io.BytesIO()
    archive = dossier_zip.CaseFileZip(stream)
    for number, (path, content) in enumerate(files, start=1):
        archive.add(path, content, title=f"Pièce {number}", number=number)
    data = archive.close(META)
    return stream.getvalue(), data


def test_the_same_files_give_the_same_zip():
    files = [("Piece_01_a.pdf", b"%PDF a"), ("annexes/b.eml", b"From: x")]
    first, _data = build(files)
    second, _data = build(files)
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    assert build([("Piece_01_a.pdf", b"%PDF A"), files[1]])[0] != first


def test_manifest_lists_every_file_with_its_hash():
    files = [("Piece_01_a.pdf", b"%PDF a"), ("annexes/b.eml", b"From: x")]
    content, data = build(files)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.namelist() == [
        "Piece_01_a.pdf",
        "annexes/b.eml",
        "manifest.xml",
        "manifest.json",
    ]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest == json.loads(json.dumps(data))
    for item in manifest["files"]:
        assert item["sha256"] == hashlib.sha256(archive.read(item["path"])).hexdigest()
    root = etree.fromstring(archive.read("manifest.xml"))
    assert root.find("prepared_by").text == "Marie Dupont"
    assert root.find("claim/invoices").text == "FAC/1, FAC/2"
    assert [f.get("path") for f in root.find("files")] == [p for p, _c in files]
    for info in archive.infolist():
        assert info.date_time == dossier_zip.ZIP_DATE
        assert (info.external_attr >> 16) & 0o777 == 0o644


def test_two_files_of_the_same_name_are_refused():
    archive = dossier_zip.CaseFileZip(io.BytesIO())
    archive.add("a.pdf", b"1")
    with pytest.raises(ValueError):
        archive.add("a.pdf", b"2")
    archive.abort()


def test_registered_letter_numbers():
    assert legal.registered_number("1A 448 293 0201 1") == ("1A44829302011", "ok")
    assert legal.registered_number("rr123456789fr") == ("RR123456789FR", "ok")
    assert legal.registered_number("1A-448.293.0201.1")[1] == "ok"
    assert legal.registered_number("LR 2026 0416 77")[1] == "unusual"
    for nonsense in (
        None,
        "",
        "abc",
        "1A 44",
        "ABCDEFGHIJKLM",
        "1A448293020111234567890",
    ):
        assert legal.registered_number(nonsense)[1] == "invalid", nonsense
