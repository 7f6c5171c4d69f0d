/** @odoo-module */
/* A recovery manager works one customer from the worklist to its case file, in
   French (the language of the addon's users): escalate to the formal notice,
   validate it, record the registered letter and its receipt, prepare the case
   file. Labels are matched in French on purpose: a missing translation fails. */

import { registry } from "@web/core/registry";

const CUSTOMER = "Boulangerie du Marais";

function actionMenu(label) {
    return [
        {
            content: "Open the Action menu",
            trigger: ".o_control_panel .o_cp_action_menus button.dropdown-toggle",
            run: "click",
        },
        {
            content: `Action: ${label}`,
            trigger: `.o-dropdown--menu .o-dropdown-item:contains("${label}")`,
            run: "click",
        },
    ];
}

function backToCustomer() {
    return [
        {
            content: "Back to the customer",
            trigger: `.o_breadcrumb .breadcrumb-item a:contains("${CUSTOMER}")`,
            run: "click",
        },
        {
            trigger: `.o_form_view .o_field_widget[name=partner_id]:contains("${CUSTOMER}")`,
        },
    ];
}

registry.category("web_tour.tours").add("recouvrement_amiable_cockpit", {
    url: "/odoo/action-recouvrement_amiable.recouvrement_debtor_action",
    steps: () => [
        {
            content: "The worklist shows the customer, its total claimed and next action",
            trigger: `.o_list_view .o_data_row:contains("${CUSTOMER}"):contains("Mise en demeure")`,
        },
        {
            content: "Open the customer",
            trigger: `.o_list_view .o_data_row .o_data_cell[name=partner_id]:contains("${CUSTOMER}")`,
            run: "click",
        },
        {
            content: "Escalate now",
            trigger: ".o_form_view button[name=action_recouvrement_escalate_now]",
            run: "click",
        },
        {
            content: "Confirm: the next stage covers all the overdue invoices",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The formal notice waits for validation",
            trigger: ".o_form_view .o_field_widget[name=next_action]:contains(validation)",
        },
        {
            content: "Open the recovery log",
            trigger: ".o_form_view button[name=action_open_events]",
            run: "click",
        },
        {
            content: "Open the notice to validate",
            trigger: '.o_list_view .o_data_row:contains("À valider") .o_data_cell[name=name]',
            run: "click",
        },
        {
            content: "The amount claimed is shown before validation",
            trigger: ".o_form_view .o_field_widget[name=amount_due]:not(:contains('0,00'))",
        },
        {
            content: "Validate the formal notice",
            trigger: ".o_form_view button[name=action_validate]",
            run: "click",
        },
        {
            content: "It is now to post",
            trigger: '.o_statusbar_status button.o_arrow_button_current:contains("À poster")',
        },
        ...backToCustomer(),
        ...actionMenu("Enregistrer l'envoi du recommandé"),
        {
            content: "Registered letter number",
            trigger: ".modal .o_field_widget[name=tracking_number] input",
            run: "edit 1A 448 293 0201 1",
        },
        {
            content: "Record it",
            trigger: ".modal-footer button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        ...actionMenu("Enregistrer l'avis de réception"),
        {
            content: "Signed by the customer today",
            trigger: ".modal .o_field_widget[name=receipt_kind]",
        },
        {
            content: "Record the receipt",
            trigger: ".modal-footer button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        ...actionMenu("Préparer un dossier"),
        {
            content: "The customer's invoices are preselected",
            trigger: ".modal .o_field_widget[name=move_ids] .o_data_row",
        },
        {
            content: "Prepare the case file",
            trigger: ".modal-footer button[name=action_create]",
            run: "click",
        },
        {
            content: "The case file lists what to check before it is sent",
            trigger: ".o_form_view .o_field_widget[name=check_ids] .o_data_row",
        },
    ],
});
