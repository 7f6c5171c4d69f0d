# Copyright 2026 recouvrement_amiable contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Recouvrement amiable (French amicable debt collection)",
    "summary": "Relances, mise en demeure, dossier pour commissaire de justice: "
    "the amicable collection of unpaid customer invoices under French law",
    "version": "18.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/recouvrement-amiable/recouvrement_amiable",
    "author": "recouvrement_amiable contributors",
    "maintainers": ["recouvrement-amiable"],
    "license": "LGPL-3",
    "depends": ["account", "account_qr_code_sepa"],
    "external_dependencies": {"python": ["lxml", "qrcode"]},
    "data": [
        # Security
        "security/recouvrement_amiable_groups.xml",
        "security/ir.model.access.csv",
        "security/recouvrement_amiable_security.xml",
        # Data
        "data/recouvrement_rate_data.xml",
        "data/mail_activity_type_data.xml",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        # Reports
        "reports/recouvrement_letter_reports.xml",
        "reports/recouvrement_letter_templates.xml",
        "reports/recouvrement_dossier_templates.xml",
        "reports/recouvrement_payment_plan_templates.xml",
        "reports/recouvrement_reporting_templates.xml",
        "reports/recouvrement_d4416_templates.xml",
        "data/mail_layout_templates.xml",
        "data/mail_template_data.xml",
        # Wizards
        "wizard/recouvrement_move_action_views.xml",
        "wizard/recouvrement_call_outcome_views.xml",
        "wizard/recouvrement_dossier_export_views.xml",
        "wizard/recouvrement_payment_plan_create_views.xml",
        "wizard/recouvrement_event_wizard_views.xml",
        "wizard/recouvrement_d4416_views.xml",
        # Views
        "views/recouvrement_debtor_views.xml",
        "views/recouvrement_stage_views.xml",
        "views/recouvrement_ladder_views.xml",
        "views/recouvrement_event_views.xml",
        "views/recouvrement_rate_views.xml",
        "views/recouvrement_dispute_views.xml",
        "views/recouvrement_payment_plan_views.xml",
        "views/recouvrement_mediation_views.xml",
        "views/recouvrement_dossier_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/ir_attachment_views.xml",
        "views/recouvrement_todo_views.xml",
        "views/recouvrement_report_views.xml",
        "data/ir_actions_server_data.xml",
        "views/recouvrement_amiable_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "recouvrement_amiable/static/tests/tours/*.js",
        ],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
    "application": False,
}
