from odoo.tests.common import SavepointCase


class TestInstall(SavepointCase):
    """The addon's security and menus are in place once it is installed."""

    def test_groups_hierarchy(self):
        user_group = self.env.ref('crm_erp_bridge.group_crm_erp_bridge_user')
        manager_group = self.env.ref('crm_erp_bridge.group_crm_erp_bridge_manager')
        self.assertIn(user_group, manager_group.implied_ids)
        # Every salesman is a bridge user; every sales manager a bridge manager.
        self.assertIn(user_group, self.env.ref('sales_team.group_sale_salesman').implied_ids)
        self.assertIn(manager_group, self.env.ref('sales_team.group_sale_manager').implied_ids)

    def test_salesman_sees_the_menu(self):
        salesman = self.env['res.users'].create({
            'name': 'Bridge Salesman', 'login': 'bridge_salesman_install',
            'groups_id': [(6, 0, [self.env.ref('sales_team.group_sale_salesman').id])],
        })
        self.assertTrue(salesman.has_group('crm_erp_bridge.group_crm_erp_bridge_user'))
        self.assertFalse(salesman.has_group('crm_erp_bridge.group_crm_erp_bridge_manager'))
        root = self.env.ref('crm_erp_bridge.crm_erp_bridge_menu_root')
        self.assertTrue(root.groups_id & salesman.groups_id)
        configuration = self.env.ref('crm_erp_bridge.crm_erp_bridge_menu_configuration')
        self.assertFalse(configuration.groups_id & salesman.groups_id)

    def test_settings_form_renders(self):
        arch = self.env['res.config.settings'].fields_view_get(view_type='form')['arch']
        self.assertIn('data-key="crm_erp_bridge"', arch)

    def test_no_module_left_to_install(self):
        # ir.cron skips a database with modules to install/upgrade/remove: the nightly
        # refreshes would never run (see clear_unmet_auto_installs in scripts/db.sh).
        pending = self.env['ir.module.module'].search([('state', 'in', ('to install', 'to upgrade', 'to remove'))])
        self.assertFalse(pending.mapped('name'))
