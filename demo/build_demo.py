"""The main job: a French company, ~30 customers, 100+ overdue invoices, the nightly
escalation run day by day over 90 days, letters and a case file written out.

Run through scripts/demo (which creates the database and sets RA_ODOO_CONF).
"""

import argparse
import base64
import datetime as dt
import os
import random
import sys
import time
import zipfile
from collections import Counter, defaultdict

from freezegun import freeze_time
from markupsafe import Markup

sys.path.insert(0, os.path.dirname(__file__))
from odoo_env import environment, init_odoo, serve_http  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

from odoo import SUPERUSER_ID, Command  # noqa: E402
from odoo.exceptions import UserError  # noqa: E402

FIRST_NAMES = [
    "Camille",
    "Julien",
    "Sophie",
    "Nicolas",
    "Claire",
    "Thomas",
    "Léa",
    "Antoine",
    "Manon",
    "Hugo",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Moreau",
    "Laurent",
    "Lefebvre",
    "Garnier",
    "Fontaine",
    "Rousseau",
    "Blanc",
]
COMPANIES = [
    (
        "Boulangerie Artisanale du Marais",
        "SARL",
        "Paris",
        "75004",
        "12 rue des Rosiers",
    ),
    ("Transports Lemoine", "SAS", "Lyon", "69007", "45 avenue Jean Jaurès"),
    (
        "Cabinet Garnier Architectes",
        "SELARL",
        "Bordeaux",
        "33000",
        "8 cours de l'Intendance",
    ),
    ("Menuiserie Fontaine & Fils", "SARL", "Nantes", "44000", "3 quai de la Fosse"),
    ("Hôtel Le Relais Fleuri", "SAS", "Annecy", "74000", "21 rue Royale"),
    ("Garage Rousseau Automobiles", "EURL", "Lille", "59000", "67 rue Nationale"),
    ("Pharmacie Blanc", "SELAS", "Marseille", "13001", "2 La Canebière"),
    ("Imprimerie Moderne de l'Ouest", "SA", "Rennes", "35000", "14 rue d'Antrain"),
    ("Restaurant Chez Marcel", "SARL", "Toulouse", "31000", "5 place du Capitole"),
    ("Cave des Coteaux", "SCA", "Dijon", "21000", "30 rue de la Liberté"),
    ("Agence Horizon Voyages", "SAS", "Nice", "06000", "9 avenue Jean Médecin"),
    ("Plomberie Dubois", "EI", "Strasbourg", "67000", "11 rue du Dôme"),
    (
        "Clinique Vétérinaire des Alpes",
        "SELARL",
        "Grenoble",
        "38000",
        "18 boulevard Gambetta",
    ),
    (
        "Librairie Le Passage",
        "SARL",
        "Montpellier",
        "34000",
        "6 rue de l'Ancien Courrier",
    ),
    ("Atelier Textile Normand", "SAS", "Rouen", "76000", "40 rue du Gros-Horloge"),
    ("Fromagerie Laurent", "SARL", "Clermont-Ferrand", "63000", "22 rue du Port"),
    ("Studio Graphique Pixel", "SASU", "Tours", "37000", "13 rue Colbert"),
    (
        "Association Culturelle La Fabrique",
        "Association",
        "Metz",
        "57000",
        "1 place d'Armes",
    ),
    ("Brasserie du Port", "SAS", "La Rochelle", "17000", "4 quai Duperré"),
    ("Électricité Bernard Services", "SARL", "Reims", "51100", "28 rue de Vesle"),
    ("Northwind Trading Ltd", "Ltd", "London", "EC1A 1BB", "1 King William Street"),
    (
        "Mairie de Saint-Aubin",
        "Collectivité",
        "Saint-Aubin",
        "91190",
        "Place de la Mairie",
    ),
]


def luhn_siren(prefix8):
    digits = [int(c) for c in prefix8]
    for check in range(10):
        candidate = digits + [check]
        total = 0
        for i, d in enumerate(reversed(candidate)):
            if i % 2:
                d *= 2
                d = d - 9 if d > 9 else d
            total += d
        if total % 10 == 0:
            return prefix8 + str(check)
    raise ValueError(prefix8)


def _logo_png():
    """A plain logo for the letterhead (drawn here, no file shipped)."""
    import base64
    import io

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (760, 120), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", 54)
    except OSError:
        font = ImageFont.load_default()
    draw.rectangle([0, 0, 110, 120], fill=(31, 78, 121))
    draw.text((22, 22), "AD", fill="white", font=font)
    draw.text((130, 28), "Atelier Dupont", fill=(31, 78, 121), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


def _signature_png():
    """A handwritten-looking signature for the signatory (drawn here)."""
    import io
    import math

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (480, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [
        (30 + t * 4.2, 95 - 38 * math.sin(t / 6.0) * math.exp(-t / 110) - t / 4)
        for t in range(100)
    ]
    draw.line(points, fill=(20, 40, 110, 255), width=4, joint="curve")
    draw.line([(60, 120), (400, 104)], fill=(20, 40, 110, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


def setup_company(env, today):
    fr = env.ref("base.fr")
    extra = (
        {"iap_enrich_auto_done": True}
        if "iap_enrich_auto_done" in env["res.company"]._fields
        else {}
    )
    company = env["res.company"].create(
        {
            **extra,
            "name": "Atelier Dupont",
            "street": "18 rue de la Paix",
            "zip": "75002",
            "city": "Paris",
            "country_id": fr.id,
            "email": "compta@atelier-dupont.fr",
            "phone": "+33 1 42 60 00 00",
            "vat": "FR44732829320",
            "company_registry": "73282932000074",
            "currency_id": env.ref("base.EUR").id,
            "recouvrement_legal_form": "SAS",
            "recouvrement_share_capital": "50 000 €",
        }
    )
    env.user.write(
        {"company_ids": [Command.link(company.id)], "company_id": company.id}
    )
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    env["account.chart.template"].try_loading("fr", company, install_demo=False)
    signatory = env["res.users"].create(
        {
            "name": "Marie Dupont",
            "login": "marie.dupont",
            "email": "marie.dupont@atelier-dupont.fr",
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
            "groups_id": [
                Command.link(env.ref("account.group_account_manager").id),
                # validating formal notices is granted by hand
                Command.link(
                    env.ref("recouvrement_amiable.group_recouvrement_manager").id
                ),
            ],
            "lang": "fr_FR",
        }
    )
    signatory.partner_id.function = "Présidente"
    # the administrator who opens the served demo works in this company
    env.ref("base.user_admin").write(
        {"company_ids": [Command.link(company.id)], "company_id": company.id}
    )
    company.write(
        {
            "recouvrement_signatory_id": signatory.id,
            "recouvrement_collector_id": signatory.id,
        }
    )
    company.write(
        {
            "logo": _logo_png(),
            # two lines, each kept whole (non-breaking spaces inside the parts)
            "report_footer": Markup(
                "Atelier&nbsp;Dupont&nbsp;SAS"
                " au&nbsp;capital&nbsp;de&nbsp;50&nbsp;000&nbsp;€"
                " · RCS&nbsp;Paris&nbsp;732&nbsp;829&nbsp;320"
                " · TVA&nbsp;FR44732829320<br/>18&nbsp;rue&nbsp;de&nbsp;la&nbsp;Paix,"
                " 75002&nbsp;Paris"
            ),
            "recouvrement_signature_image": _signature_png(),
            "external_report_layout_id": env.ref("web.external_layout_standard").id,
        }
    )
    env["res.partner.bank"].create(
        {
            "partner_id": company.partner_id.id,
            "acc_number": "FR76 3000 6000 0112 3456 7890 189",
            "acc_holder_name": "Atelier Dupont SAS",
            "bank_id": env["res.bank"]
            .create({"name": "Crédit Exemple", "bic": "AGRIFRPP882"})
            .id,
            "allow_out_payment": True,
        }
    )
    company.write(
        {
            "recouvrement_rcs_city": "Paris",
            "recouvrement_cgv_file": _terms_of_sale_pdf(env),
            "recouvrement_cgv_filename": "CGV Atelier Dupont 2026-1.pdf",
            "recouvrement_cgv_version": "2026-1",
            "recouvrement_cgv_date": dt.date(today.year, 1, 1),
        }
    )
    confirm_rates(env, signatory, today)
    return env, company


def _terms_of_sale_pdf(env):
    """The company's terms of sale, as given to its customers (a real PDF)."""
    import base64

    html = """<html><head><meta charset="utf-8"/></head>
    <body style="font-family: sans-serif; font-size: 11pt; margin: 20mm;">
    <h1>Atelier Dupont SAS - Conditions générales de vente</h1>
    <p>Version 2026-1, en vigueur au 1er janvier 2026.</p>
    <h2>Article 1 - Objet</h2><p>Les présentes conditions régissent les ventes de
    marchandises et les prestations d'Atelier Dupont à ses clients professionnels et
    particuliers. Toute commande vaut acceptation des présentes conditions.</p>
    <h2>Article 5 - Paiement</h2><p>Les factures sont payables à 30 jours date de
    facture, par virement.</p>
    <h2>Article 6 - Retard de paiement</h2><p>Tout retard de paiement entraîne de
    plein droit, dès le lendemain de l'échéance, des pénalités au taux de la BCE
    majoré de 10 points et, pour les clients professionnels, une indemnité
    forfaitaire pour frais de recouvrement de 40 euros (art. L441-10 et D441-5 du
    Code de commerce).</p></body></html>"""
    pdf = env["ir.actions.report"]._run_wkhtmltopdf([html])
    return base64.b64encode(pdf)


def post_scan(title, lines):
    """A one-page scan of a document from the post (drawn here with reportlab,
    which Odoo ships): the receipt of a registered letter, its acknowledgement."""
    import io

    from reportlab.lib.pagesizes import A6
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A6, invariant=1)
    page.setFont("Helvetica-Bold", 11)
    page.drawString(20, 380, title)
    page.setFont("Helvetica", 9)
    for index, line in enumerate(lines):
        page.drawString(20, 355 - 14 * index, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def confirm_rates(env, manager, today):
    """The recovery manager confirms this year's reference rates with their source,
    as she must before letters claim interest on them; a semester the shipped table
    does not cover yet is recorded with the last known figure."""
    from odoo.addons.recouvrement_amiable import legal

    Rate = env["recouvrement.rate"]
    start = legal.semester_bounds(today - dt.timedelta(days=200))[0]
    for kind in (legal.RATE_ECB, legal.RATE_LEGAL_PRO, legal.RATE_LEGAL_INDIVIDUAL):
        cursor = start
        while cursor <= today:
            sem_start, sem_end = legal.semester_bounds(cursor)
            rate = Rate.search(
                [("kind", "=", kind), ("date_from", "<=", sem_start)]
                + [("date_to", ">=", sem_end)]
            )
            if not rate:
                latest = Rate.search(
                    [("kind", "=", kind)], order="date_to desc", limit=1
                )
                rate = Rate.create(
                    {
                        "kind": kind,
                        "date_from": sem_start,
                        "date_to": sem_end,
                        "value": latest.value,
                        "source": "Démonstration : dernier taux connu reconduit",
                    }
                )
            if rate.reliability == "unverified":
                rate.source = (rate.source or "") + " - confirmé (Banque de France)"
                rate.with_user(manager).action_confirm()
            cursor = sem_end + dt.timedelta(days=1)


def create_customers(env, rng):
    fr = env.ref("base.fr")
    gb = env.ref("base.uk")
    partners = env["res.partner"]
    for index, (name, form, city, zipcode, street) in enumerate(COMPANIES):
        foreign = form == "Ltd"
        vals = {
            "name": name,
            "is_company": True,
            "street": street,
            "zip": zipcode,
            "city": city,
            "country_id": (gb if foreign else fr).id,
            "legal_form": form,
            "email": None
            if index in (5, 13)
            else f"compta@{name.lower().split()[0]}-{index}.example.fr",
            "phone": "+33 {} {}".format(
                rng.randint(1, 5), " ".join(str(rng.randint(10, 99)) for _i in range(4))
            ),
            "lang": "en_US" if foreign else "fr_FR",
            "ref": f"C{1000 + index}",
        }
        if not foreign and form not in ("Collectivité",):
            vals["company_registry"] = (
                luhn_siren(f"{rng.randint(30000000, 89999999)}")
                + f"{rng.randint(10000, 99999)}"
            )
        partner = env["res.partner"].create(vals)
        if form == "Collectivité":
            partner.debtor_type = "public"
        elif form in ("Association", "SELARL", "SELAS"):
            partner.debtor_type = "b2b_non_commercant"
        if not foreign and form != "Collectivité":
            # who represents it, and its trade registry (the case file names them)
            function = {
                "SARL": "Gérant",
                "EURL": "Gérant",
                "SELARL": "Gérant",
                "Association": "Président",
            }.get(form, "Président")
            partner.recouvrement_representative_id = env["res.partner"].create(
                {
                    "parent_id": partner.id,
                    "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    "function": function,
                }
            )
            if partner.debtor_type == "b2b_commercant":
                partner.recouvrement_rcs_city = city
        if index % 3 == 0 and partner.email:
            env["res.partner"].create(
                {
                    "parent_id": partner.id,
                    "type": "invoice",
                    "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    "email": f"factures@{name.lower().split()[0]}-{index}.example.fr",
                    "street": street,
                    "zip": zipcode,
                    "city": city,
                    "country_id": (gb if foreign else fr).id,
                }
            )
        partners |= partner
    for index in range(10):
        first, last = FIRST_NAMES[index], LAST_NAMES[(index * 3) % len(LAST_NAMES)]
        partners |= env["res.partner"].create(
            {
                "name": f"{first} {last}",
                "street": f"{rng.randint(1, 120)} rue Victor Hugo",
                "zip": f"{rng.choice(['75011', '69003', '31400', '44100', '13008'])}",
                "city": rng.choice(
                    ["Paris", "Lyon", "Toulouse", "Nantes", "Marseille"]
                ),
                "country_id": fr.id,
                "email": None
                if index == 4
                else f"{first.lower()}.{last.lower()}@example.fr",
                "lang": "fr_FR",
                "ref": f"P{2000 + index}",
            }
        )
    return partners


def create_invoices(env, company, items):
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
    )
    tax = (
        env["account.tax"]
        .search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount", "=", 20.0),
            ]
        )
        .filtered(lambda t: not t.price_include)[:1]
    )
    # services, and one supply of goods: the notice names what the claim is for
    products = env["product.product"].create(
        [
            {"name": name, "type": kind, "company_id": company.id}
            for name, kind in (
                ("Prestation de conseil", "service"),
                ("Maintenance annuelle", "service"),
                ("Fourniture de matériel", "consu"),
                ("Formation", "service"),
                ("Intervention sur site", "service"),
            )
        ]
    )
    vals_list = []
    for index, item in enumerate(items):
        lines = [
            Command.create(
                {
                    "product_id": products[(index + n) % len(products)].id,
                    "name": products[(index + n) % len(products)].name,
                    "quantity": 1,
                    "price_unit": amount,
                    "tax_ids": [Command.set(tax.ids)],
                }
            )
            for n, amount in enumerate(item["amounts"])
        ]
        vals_list.append(
            {
                "move_type": "out_invoice",
                "partner_id": item["partner"],
                "company_id": company.id,
                "journal_id": journal.id,
                "invoice_date": item["issued"],
                "invoice_date_due": item["due"],
                # one order in three quotes the customer's purchase order number
                "ref": f"BC-{2026_0000 + index}" if index % 3 == 0 else False,
                "invoice_line_ids": lines,
                "currency_id": company.currency_id.id,
            }
        )
    invoices = env["account.move"].create(vals_list)
    invoices.action_post()
    return invoices


def register_payment(env, invoice, day, amount):
    wizard = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create({"payment_date": day, "amount": amount})
    )
    wizard._create_payments()


# How customers react (deterministic per invoice): pay on time, after a given stage, or
# never.
BEHAVIOURS = [
    ("on_time", 0.30, None),
    ("after_call", 0.22, "call"),
    ("after_relance_1", 0.18, "relance_1"),
    ("after_relance_2", 0.10, "relance_2"),
    ("after_notice", 0.08, "mise_en_demeure"),
    ("never", 0.12, None),
]


def pick_behaviour(rng):
    roll, total = rng.random(), 0.0
    for name, share, stage in BEHAVIOURS:
        total += share
        if roll < total:
            return name, stage
    return BEHAVIOURS[-1][0], None


# What happens to two customers during the quarter (days after the start)
CREDIT_NOTE_DAY, CREDIT_NOTE_CUSTOMER = 20, "Restaurant Chez Marcel"
PROCEDURE_DAY, PROCEDURE_CUSTOMER = 45, "Garage Rousseau Automobiles"


def incidents(env, company, offset, today_sim):
    """A credit note that covers a customer's open invoices (it is no longer
    chased); a customer placed in receivership (every action stops)."""
    Partner = env["res.partner"]
    if offset == CREDIT_NOTE_DAY:
        partner = Partner.search([("name", "=", CREDIT_NOTE_CUSTOMER)])
        open_moves = env["account.move"].search(
            [("commercial_partner_id", "=", partner.id)]
            + env["account.move"]._recouvrement_open_domain()
        )
        amount = sum(open_moves.mapped("amount_residual")) + 100.0
        refund = env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": partner.id,
                "company_id": company.id,
                "invoice_date": today_sim,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Avoir commercial",
                            "quantity": 1,
                            "price_unit": amount,
                        }
                    )
                ],
            }
        )
        refund.action_post()
        print(
            f"  {today_sim}: credit note {refund.name} of {amount:.2f} "
            f"for {partner.name}"
        )
    if offset == PROCEDURE_DAY:
        partner = Partner.search([("name", "=", PROCEDURE_CUSTOMER)])
        partner.write(
            {
                "recouvrement_procedure": "redressement",
                "recouvrement_procedure_opened": today_sim - dt.timedelta(days=17),
                "recouvrement_procedure_date": today_sim - dt.timedelta(days=3),
            }
        )
        print(
            f"  {today_sim}: {partner.name} placed in receivership "
            f"(judgment of {partner.recouvrement_procedure_opened}, BODACC)"
        )


def simulate_day(env, company_id, plan, today_sim, rng, counts, offset=0):
    """One day of the company: invoices issued, payments received, the nightly run, and
    the recovery manager's morning."""
    company = env["res.company"].browse(company_id)
    Move = env["account.move"]
    incidents(env, company, offset, today_sim)
    # Invoices issued today, sent by email with their PDF (rendered in one call)
    todays = [item for item in plan if item["created"] == today_sim]
    if todays:
        moves = create_invoices(env, company, todays)
        for item, move in zip(todays, moves, strict=True):
            item["move"] = move.id
        env["ir.actions.report"]._render_qweb_pdf(
            env.ref("recouvrement_amiable.action_report_invoice_copy"), moves.ids
        )
        counts["invoices"] += len(moves)
    for item in plan:
        if "move" in item and not item.get("paid"):
            pay_if_due(env, Move.browse(item["move"]), item, today_sim, counts)
    # What the nightly cron does: daily checks, then escalation until nothing is left.
    Move._cron_recouvrement_daily()
    while Move._cron_recouvrement_escalate():
        pass
    # Odoo's mail queue sends the night's emails (to the local SMTP sink)
    env["mail.mail"].sudo().search([("state", "=", "outgoing")]).send(auto_commit=False)
    morning_routine(env, rng, today_sim)


def pay_if_due(env, invoice, item, today_sim, counts):
    """The customer pays as its behaviour says: on time, after a stage, or never."""
    if invoice.payment_state not in ("not_paid", "partial"):
        return
    due_payment = False
    if item["behaviour"] == "on_time":
        due_payment = today_sim == item["due"] - dt.timedelta(days=item["delay"] % 3)
    elif item["stage"]:
        event = env["recouvrement.event"].search(
            [
                ("move_ids", "in", invoice.ids),
                ("stage_id.kind", "=", item["stage"]),
                ("state", "in", ("to_post", "done", "pending", "queued")),
            ],
            limit=1,
        )
        due_payment = bool(event) and today_sim == event.date + dt.timedelta(
            days=item["delay"]
        )
    if due_payment:
        amount = invoice.amount_residual
        if item["partial"] and invoice.payment_state == "not_paid":
            amount = round(amount / 2, 2)
        else:
            item["paid"] = True
        register_payment(env, invoice, today_sim, amount)
        counts["payments"] += 1


def morning_routine(env, rng, today_sim):
    """The recovery manager validates the formal notices prepared overnight, posts the
    letters the same day; acknowledgements of receipt come back three days later.
    She acts with her own rights, as in the web client."""
    env = env(user=env.company.recouvrement_signatory_id, su=False)
    Event = env["recouvrement.event"]
    for event in Event.search([("state", "=", "to_validate")]):
        try:
            with env.cr.savepoint():
                event.action_validate()
        except UserError as error:  # e.g. contacted today: she validates tomorrow
            print(f"  {today_sim}: {event.partner_id.name}: {error.args[0]}")
    # a letter validated on a Sunday or a public holiday is dated the next posting
    # day: it is posted that day, not before
    for event in Event.search(
        [
            ("state", "=", "to_post"),
            ("channel_registered", "=", True),
            ("date", "<=", today_sim),
        ]
    ):
        number = f"1A{rng.randint(10**10, 10**11 - 1)}"
        deposit = env["ir.attachment"].create(
            {
                "name": f"Preuve de dépôt {number}.pdf",
                "raw": post_scan(
                    "La Poste - Preuve de dépôt",
                    [
                        f"Lettre recommandée avec AR n° {number}",
                        f"Déposée le {today_sim.strftime('%d/%m/%Y')}",
                        f"Destinataire : {event.partner_id.name}",
                    ],
                ),
            }
        )
        event.move_ids._recouvrement_record_registered_sent(number, today_sim, deposit)
    for event in Event.search([("state", "=", "to_post"), ("date", "<=", today_sim)]):
        event.action_mark_posted()
    received = Event.search(
        [
            ("channel_registered", "=", True),
            ("state", "=", "done"),
            ("receipt_date", "=", False),
            ("sent_date", "<=", today_sim - dt.timedelta(days=3)),
        ]
    )
    for event in received:
        # one letter in four is left at the post office and not collected
        unclaimed = rng.random() < 0.25
        title = (
            "La Poste - Pli avisé et non réclamé"
            if unclaimed
            else "La Poste - Avis de réception"
        )
        lines = [
            f"Lettre recommandée n° {event.tracking_number}",
            f"Présentée le {today_sim.strftime('%d/%m/%Y')}",
            "Non réclamée, retournée à l'expéditeur"
            if unclaimed
            else f"Distribuée, signée par le destinataire ({event.partner_id.name})",
        ]
        proof = env["ir.attachment"].create(
            {
                "name": f"{title} {event.tracking_number}.pdf",
                "raw": post_scan(title, lines),
            }
        )
        event.move_ids._recouvrement_record_receipt(
            today_sim, proof, "unclaimed" if unclaimed else "signed"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("--output", default="demo_output")
    parser.add_argument("--invoices", type=int, default=120)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    init_odoo(args.database)
    serve_http(args.database)
    # the emails really go out over SMTP, to a server on this machine that keeps
    # them (the customers are invented)
    smtp = SmtpSink().start()
    rng = random.Random(20261123)
    today = dt.date.today()
    start_day = today - dt.timedelta(days=args.days)
    started = time.time()
    with environment(args.database) as env:
        env, company = setup_company(env, today)
        smtp.use_in(env)
        partners = create_customers(env, rng)
        company_id = company.id
        # Invoices: due dates spread over the last 120 days (and a few due soon), each
        # issued 30 days before its due date, created on its issue date during the
        # simulation (on its first day for those issued before).
        plan = []
        for index in range(args.invoices):
            due = today - dt.timedelta(days=rng.randint(-10, 120))
            behaviour, stage = pick_behaviour(rng)
            issued = due - dt.timedelta(days=30)
            plan.append(
                {
                    "partner": partners[index % len(partners)].id,
                    "due": due,
                    "issued": issued,
                    "created": max(issued, start_day),
                    "behaviour": behaviour,
                    "stage": stage,
                    "delay": rng.randint(1, 6),
                    "partial": rng.random() < 0.25,
                    "amounts": [
                        round(rng.uniform(80, 1800), 2)
                        for _i in range(rng.randint(1, 3))
                    ],
                }
            )
    print(
        f"Company Atelier Dupont: {len(partners)} customers, {len(plan)} invoices to "
        f"issue ({time.time() - started:.0f} s)"
    )
    counts = Counter()
    for offset in range(args.days + 1):
        today_sim = start_day + dt.timedelta(days=offset)
        with (
            freeze_time(dt.datetime.combine(today_sim, dt.time(2, 0))),
            environment(args.database) as env,
        ):
            env = env(context=dict(env.context, allowed_company_ids=[company_id]))
            simulate_day(env, company_id, plan, today_sim, rng, counts, offset)
        if offset % 15 == 0:
            print(
                f"  {today_sim}: {counts['invoices']} invoices issued, "
                f"{counts['payments']} payments ({time.time() - started:.0f} s)",
                flush=True,
            )
    elapsed = time.time() - started
    with environment(args.database) as env:
        env = env(
            context=dict(env.context, allowed_company_ids=[company_id], lang="fr_FR")
        )
        company = env["res.company"].browse(company_id)
        report(env, company, elapsed, counts)
        print(f"\n{len(smtp.messages)} emails delivered to the local SMTP server")
        smtp.stop()
        # the served demo has no mail server: nothing would reach a real address
        env["ir.mail_server"].sudo().search(
            [("smtp_port", "=", smtp.port)]
        ).active = False
        write_outputs(env, company, args.output)
    # the demo's own HTTP server stops with it: the served demo prints its PDFs
    # through the URL it is opened at (web.base.url), as Odoo does by default
    with environment(args.database) as env:
        env["ir.config_parameter"].search([("key", "=", "report.url")]).unlink()


def report(env, company, elapsed, counts):
    Move = env["account.move"].with_context(lang="fr_FR")
    invoices = Move.search(
        [("company_id", "=", company.id), ("move_type", "=", "out_invoice")]
    )
    print(
        f"\n{counts['invoices']} invoices issued and {counts['payments']} payments "
        f"received during the "
        f"simulated period; nightly runs simulated in {elapsed:.0f} s\n"
    )
    print("Invoices per recovery stage (today):")
    print(f"  {'Stage':<50} {'State':<16} {'Invoices':>8}")
    groups = Counter(
        (m.recouvrement_stage_id.name or "-", m.recouvrement_state or "-")
        for m in invoices
    )
    for (stage, state), number in sorted(groups.items()):
        print(f"  {stage:<50} {state:<16} {number:>8}")
    events = env["recouvrement.event"].search([("company_id", "=", company.id)])
    print("\nWhat the nightly runs did, per stage:")
    print(
        f"  {'Stage / event':<50} {'Events':>7} {'Invoices':>9} {'Emails':>7} "
        f"{'Letters':>8} {'LRAR':>5} {'Calls':>6}"
    )
    per = defaultdict(lambda: Counter())
    for event in events:
        key = event.stage_id.name if event.event_type == "stage" else event.event_type
        row = per[key]
        row["events"] += 1
        row["invoices"] += len(event.move_ids)
        row["emails"] += int(bool(event.mail_id))
        row["letters"] += int(event.channel_letter and bool(event.letter_attachment_id))
        row["lrar"] += int(event.channel_registered)
        row["calls"] += int(event.channel_phone)
    for key, row in sorted(per.items(), key=lambda kv: str(kv[0])):
        print(
            f"  {str(key):<50} {row['events']:>7} {row['invoices']:>9} "
            f"{row['emails']:>7} {row['letters']:>8} {row['lrar']:>5} {row['calls']:>6}"
        )
    debtors = env["recouvrement.debtor"].search([("company_id", "=", company.id)])
    print("\nCustomers per level (today): one level per customer")
    for stage, number in sorted(
        Counter(d.stage_id.name or "-" for d in debtors if d.open_count).items()
    ):
        print(f"  {stage:<50} {number:>8}")
    waiting = debtors.filtered("issue")
    if waiting:
        print("\nWaiting for a person (one task per customer and problem):")
        for debtor in waiting:
            print(f"  {debtor.partner_id.name[:40]:<40} {debtor.issue[:110]}")
    problems = invoices.filtered("recouvrement_issue")
    for move in problems:
        print(f"  {move.name:<40} {move.recouvrement_issue[:110]}")
    todo = env["recouvrement.todo"].search([("company_id", "=", company.id)])
    kinds = dict(todo._fields["kind"]._description_selection(env))
    print("\nAujourd'hui (what people must do today, as the menu counts it):")
    for kind, rows in sorted(todo.grouped("kind").items()):
        users = ", ".join(sorted({r.user_id.name or "équipe" for r in rows}))
        print(f"  {kinds[kind]:<50} {len(rows):>5}  ({users})")
    check_quarter(env, company)


def check_quarter(env, company):
    """What a credit manager checks after a quarter, customer by customer."""
    events = env["recouvrement.event"].search(
        [
            ("company_id", "=", company.id),
            ("event_type", "=", "stage"),
            ("state", "in", ("to_post", "pending", "queued", "done")),
        ],
        order="date, id",
    )
    spacing = company.recouvrement_spacing_days
    checks = Counter()
    paid_on = paid_dates(env, events.partner_id)
    procedure = env["res.partner"].search([("name", "=", PROCEDURE_CUSTOMER)])
    for _partner, contacts in events.grouped("partner_id").items():
        contacts = contacts.sorted(lambda e: (e.date, e.id))
        checks["customers contacted"] += 1
        for before, after in zip(contacts, contacts[1:], strict=False):
            checks["two contacts the same day"] += int(after.date == before.date)
            checks["contacts closer than the spacing"] += int(
                (after.date - before.date).days < spacing
            )
            checks["contacts before a letter's deadline"] += int(
                bool(before.deadline_date) and after.date <= before.deadline_date
            )
        notices = contacts.filtered(lambda e: e.stage_id.kind == "mise_en_demeure")
        for first, second in zip(notices, notices[1:], strict=False):
            checks["two notices inside a notice's deadline"] += int(
                second.date <= first.deadline_date
            )
        for event in contacts:
            overdue = (
                env["account.move"]
                .search(
                    [
                        ("commercial_partner_id", "=", event.partner_id.id),
                        ("company_id", "=", company.id),
                        ("move_type", "=", "out_invoice"),
                        ("state", "=", "posted"),
                        ("invoice_date", "<=", event.date),
                        ("invoice_date_due", "<", event.date),
                    ]
                )
                # paid before the run of that day: no longer claimed
                .filtered(
                    lambda m, e=event: not paid_on.get(m.id) or paid_on[m.id] > e.date
                )
            )
            missing = overdue - event.move_ids
            if event.stage_id.kind != "pre_reminder" and missing:
                checks["letters missing an overdue invoice"] += len(missing)
                print(f"  {event.name}: {', '.join(missing.mapped('name'))} missing")
            checks["letters claiming nothing or less"] += int(event.amount_due <= 0)
            checks["contacts of a customer in receivership"] += int(
                event.partner_id == procedure
                and event.date >= procedure.recouvrement_procedure_date
            )
    invoices = env["account.move"].search(
        [("company_id", "=", company.id), ("move_type", "=", "out_invoice")]
    )
    checks["invoices due before their invoice date"] = len(
        invoices.filtered(lambda m: m.invoice_date_due < m.invoice_date)
    )
    robots = env["res.users"].browse(SUPERUSER_ID) | env.ref("base.user_root")
    checks["recovery tasks of a system user"] = env["mail.activity"].search_count(
        [
            ("user_id", "in", robots.ids),
            ("res_model", "in", ("recouvrement.debtor", "recouvrement.event")),
        ]
    )
    print("\nChecks over the simulated quarter, customer by customer (0 expected):")
    for name in (
        "invoices due before their invoice date",
        "recovery tasks of a system user",
        "two contacts the same day",
        "contacts closer than the spacing",
        "contacts before a letter's deadline",
        "two notices inside a notice's deadline",
        "letters missing an overdue invoice",
        "letters claiming nothing or less",
        "contacts of a customer in receivership",
    ):
        print(f"  {name:<50} {checks[name]:>5}")
    print(
        f"  ({checks['customers contacted']} customers contacted, "
        f"{len(events)} contacts)"
    )
    return checks


def paid_dates(env, partners):
    """{invoice id: the day it was fully paid} from the reconciliations."""
    moves = env["account.move"].search(
        [
            ("commercial_partner_id", "in", partners.ids),
            ("move_type", "=", "out_invoice"),
            ("payment_state", "in", ("paid", "in_payment")),
        ]
    )
    result = {}
    for move in moves:
        partials = move.line_ids.matched_credit_ids
        if partials:
            result[move.id] = max(partials.mapped("max_date"))
    return result


def write_outputs(env, company, output):
    """The letters of the quarter and a case file, exported by the recovery manager."""
    os.makedirs(output, exist_ok=True)
    env = env(user=company.recouvrement_signatory_id, su=False)
    Event = env["recouvrement.event"]
    print(f"\nOutputs in {os.path.abspath(output)}:")
    for kind in ("relance_1", "relance_2", "mise_en_demeure"):
        event = Event.search(
            [
                ("company_id", "=", company.id),
                ("stage_id.kind", "=", kind),
                ("letter_attachment_id", "!=", False),
                (
                    "partner_id.debtor_type",
                    "in",
                    ("b2b_commercant", "b2b_non_commercant"),
                ),
                ("partner_id.lang", "=", "fr_FR"),
            ],
            order="id desc",
            limit=1,
        )
        if not event:
            print(f"  no {kind} letter was produced")
            continue
        path = os.path.join(output, f"{kind}.pdf")
        with open(path, "wb") as handle:
            handle.write(event.letter_attachment_id.raw)
        print(
            f"  {path}  ({event.partner_id.name}, {event.name}, "
            f"{len(event.letter_attachment_id.raw) // 1024} KB)"
        )
    write_case_file(env, company, output)


def write_case_file(env, company, output):
    """The case file of a business debtor whose formal notice's deadline has passed,
    still unpaid: prepared, checked, made ready, written out, sent to the
    commissaire de justice."""
    today = dt.date.today()
    notices = env["recouvrement.event"].search(
        [
            ("company_id", "=", company.id),
            ("stage_id.kind", "=", "mise_en_demeure"),
            ("state", "=", "done"),
            ("notice_deadline", "<", today),
            ("partner_id.debtor_type", "in", ("b2b_commercant", "b2b_non_commercant")),
            ("partner_id.lang", "=", "fr_FR"),
            ("move_ids.payment_state", "in", ("not_paid", "partial")),
        ],
        order="receipt_date",
    )
    Dossier = env["recouvrement.dossier"]
    # the commissaire de justice's contact (created by someone with that right)
    recipient = env["res.partner"].search(
        [("name", "=", "Maître Claire Durand")], limit=1
    ) or env["res.partner"].sudo().create(
        {
            "name": "Maître Claire Durand",
            "function": "Commissaire de justice",
            "street": "12 boulevard Haussmann",
            "zip": "75009",
            "city": "Paris",
            "email": "etude.durand@example.fr",
        }
    )
    dossier = Dossier
    for notice in notices:
        dossier = Dossier._recouvrement_create_for(
            notice.partner_id, Dossier.env["account.move"], recipient
        )
        if not dossier.blocking_count:
            break
        dossier.unlink()  # a draft, with a check to solve: try the next customer
        dossier = Dossier
    if not dossier:
        print("  no customer is ready for a case file (none past a notice's deadline)")
        return
    print(f"\nCase file {dossier.name} of {dossier.partner_id.name}:")
    for check in dossier.check_ids:
        print(f"  check: {check.message}")
    dossier.action_ready()
    path = os.path.join(output, dossier.zip_filename)
    content = base64.b64decode(dossier.zip_file)
    with open(path, "wb") as handle:
        handle.write(content)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    missing = dossier.exhibit_ids.filtered("missing")
    print(
        f"  {path}\n  {len(dossier.exhibit_ids)} exhibits ({len(missing)} missing), "
        f"{len(names)} files, {len(content) // 1024} KB, claim "
        f"{dossier.claim_total:.2f} EUR, SHA-256 {dossier.zip_sha256[:16]}..."
    )
    for line in dossier._recouvrement_suggestion_lines():
        print(f"  {line}")
    dossier.action_send()
    print(f"  sent to {recipient.name}: invoices transferred ({dossier.event_id.name})")


if __name__ == "__main__":
    main()
