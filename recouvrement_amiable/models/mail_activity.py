from markupsafe import Markup

from odoo import api, fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model
    def _recouvrement_notify(self, items):
        """Create the recovery activities of ``items`` in one batch, never twice.

        ``items``: dicts with ``record``, ``type`` (an activity type or its xml id),
        ``summary``, ``note`` (text or Markup), ``user`` and optional ``deadline``
        and ``refresh`` (an open activity of the same record, type and summary gets
        the new note instead of a second activity: the one "data to fix" task of a
        company lists what is left to fix).

        The activities are created with sudo: the nightly run and the users who
        trigger a recovery action (posting an invoice, a payment) need not have the
        right to create activities on the debtor or the company.
        """
        items = [item for item in items if item["record"]]
        if not items:
            return self.browse()
        Activity = self.sudo().with_context(mail_activity_quick_update=True)
        types = {
            ref: ref if isinstance(ref, models.BaseModel) else self.env.ref(ref)
            for ref in {i["type"] for i in items}
        }
        domain = ["|"] * (len(items) - 1)
        for item in items:
            domain += [
                "&",
                ("res_model", "=", item["record"]._name),
                ("res_id", "=", item["record"].id),
            ]
        existing = {}
        for activity in Activity.search(
            [("activity_type_id", "in", [t.id for t in types.values()])] + domain
        ):
            key = (
                activity.res_model,
                activity.res_id,
                activity.activity_type_id.id,
                activity.summary,
            )
            existing[key] = activity
        today = fields.Date.context_today(self)
        vals_list, seen = [], set()
        for item in items:
            record, activity_type = item["record"], types[item["type"]]
            summary = (item["summary"] or "")[:200]
            key = (record._name, record.id, activity_type.id, summary)
            note = item["note"]
            if not isinstance(note, Markup):
                note = Markup("<p>%s</p>") % note
            if key in existing:
                if item.get("refresh") and existing[key].note != note:
                    existing[key].note = note
                continue
            if key in seen:
                continue
            seen.add(key)
            vals_list.append(
                {
                    "res_model_id": self.env["ir.model"]._get_id(record._name),
                    "res_id": record.id,
                    "activity_type_id": activity_type.id,
                    "summary": summary,
                    "note": note,
                    "user_id": item["user"].id,
                    "date_deadline": item.get("deadline") or today,
                }
            )
        return Activity.create(vals_list) if vals_list else self.browse()
