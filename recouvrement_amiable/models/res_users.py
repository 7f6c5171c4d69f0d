from odoo import Command, api, models

# Accounting groups that make a user a recovery user (the groups file implies it)
RECOVERY_USER_SOURCES = ("account.group_account_user", "account.group_account_manager")


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._recouvrement_follow_accounting_rights()
        return users

    def write(self, vals):
        res = super().write(vals)
        if any(
            key == "groups_id" or key.startswith(("in_group_", "sel_groups_"))
            for key in vals
        ):
            self._recouvrement_follow_accounting_rights()
        return res

    def _recouvrement_follow_accounting_rights(self):
        """The recovery groups follow the accounting rights: a user keeps
        *recovery user* only while an accounting group grants it (or while a
        recovery manager), and *recovery manager* only while able to invoice at all.
        Odoo keeps the groups a removed group implied; this removes them."""
        if self.env.context.get("recouvrement_groups_sync"):
            return
        ref = self.env.ref
        recovery_user = ref("recouvrement_amiable.group_recouvrement_user")
        recovery_manager = ref("recouvrement_amiable.group_recouvrement_manager")
        invoicing = ref("account.group_account_invoice")
        sources = self.env["res.groups"].browse(
            [ref(xmlid).id for xmlid in RECOVERY_USER_SOURCES]
        )
        for user in self.sudo().filtered(
            lambda u: (recovery_user | recovery_manager) & u.groups_id
        ):
            groups = user.groups_id
            drop = self.env["res.groups"]
            if recovery_manager in groups and invoicing not in groups:
                drop |= recovery_manager
            keeps_manager = recovery_manager in groups - drop
            if recovery_user in groups and not (groups & sources) and not keeps_manager:
                drop |= recovery_user
            if drop:
                user.with_context(recouvrement_groups_sync=True).write(
                    {"groups_id": [Command.unlink(group.id) for group in drop]}
                )


class ResGroups(models.Model):
    _inherit = "res.groups"

    def write(self, vals):
        users = self.users if "users" in vals or "implied_ids" in vals else None
        res = super().write(vals)
        if users is not None:
            (users | self.users)._recouvrement_follow_accounting_rights()
        return res
