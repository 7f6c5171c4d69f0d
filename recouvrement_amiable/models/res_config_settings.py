from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    recouvrement_min_residual = fields.Monetary(
        related="company_id.recouvrement_min_residual", readonly=False
    )
    recouvrement_spacing_days = fields.Integer(
        related="company_id.recouvrement_spacing_days", readonly=False
    )
    recouvrement_catch_up = fields.Boolean(
        related="company_id.recouvrement_catch_up", readonly=False
    )
    recouvrement_collector_id = fields.Many2one(
        related="company_id.recouvrement_collector_id", readonly=False
    )
    recouvrement_signatory_id = fields.Many2one(
        related="company_id.recouvrement_signatory_id", readonly=False
    )
    recouvrement_signature_image = fields.Image(
        related="company_id.recouvrement_signature_image", readonly=False
    )
    recouvrement_legal_form = fields.Char(
        related="company_id.recouvrement_legal_form", readonly=False
    )
    recouvrement_share_capital = fields.Char(
        related="company_id.recouvrement_share_capital", readonly=False
    )
    recouvrement_rcs_city = fields.Char(
        related="company_id.recouvrement_rcs_city", readonly=False
    )
    recouvrement_cgv_file = fields.Binary(
        related="company_id.recouvrement_cgv_file", readonly=False
    )
    recouvrement_cgv_filename = fields.Char(
        related="company_id.recouvrement_cgv_filename", readonly=False
    )
    recouvrement_cgv_version = fields.Char(
        related="company_id.recouvrement_cgv_version", readonly=False
    )
    recouvrement_cgv_date = fields.Date(
        related="company_id.recouvrement_cgv_date", readonly=False
    )
    recouvrement_rate_mode = fields.Selection(
        related="company_id.recouvrement_rate_mode", readonly=False
    )
    recouvrement_contractual_rate = fields.Float(
        related="company_id.recouvrement_contractual_rate", readonly=False
    )
    recouvrement_contractual_legal_factor = fields.Float(
        related="company_id.recouvrement_contractual_legal_factor", readonly=False
    )
    recouvrement_imputation = fields.Selection(
        related="company_id.recouvrement_imputation", readonly=False
    )
    recouvrement_indemnity_amount = fields.Monetary(
        related="company_id.recouvrement_indemnity_amount", readonly=False
    )
    recouvrement_prescription_alert_days = fields.Integer(
        related="company_id.recouvrement_prescription_alert_days", readonly=False
    )
    recouvrement_notice_delivery_days = fields.Integer(
        related="company_id.recouvrement_notice_delivery_days", readonly=False
    )
    recouvrement_mediation_months = fields.Integer(
        related="company_id.recouvrement_mediation_months", readonly=False
    )
    recouvrement_plan_notice_days = fields.Integer(
        related="company_id.recouvrement_plan_notice_days", readonly=False
    )
    recouvrement_plan_min_instalment = fields.Float(
        related="company_id.recouvrement_plan_min_instalment", readonly=False
    )
    recouvrement_plan_grace_days = fields.Integer(
        related="company_id.recouvrement_plan_grace_days", readonly=False
    )
    recouvrement_profile_occasional_late = fields.Integer(
        related="company_id.recouvrement_profile_occasional_late", readonly=False
    )
    recouvrement_profile_bad_late = fields.Integer(
        related="company_id.recouvrement_profile_bad_late", readonly=False
    )
    recouvrement_profile_bad_avg_days = fields.Integer(
        related="company_id.recouvrement_profile_bad_avg_days", readonly=False
    )
    recouvrement_profile_temporary_days = fields.Integer(
        related="company_id.recouvrement_profile_temporary_days", readonly=False
    )
