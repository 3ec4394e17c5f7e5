from .customer_360_common import Customer360Case


class ServiceRequestCase(Customer360Case):
    """Customer360Case plus a service team with a leader, an owner and helpers to open requests
    at explicit times (deadlines count from date_received)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env['crm.erp.service.request']
        cls.leader = cls._user('svc_leader', cls.company_a, 'crm_erp_bridge.group_crm_erp_service_manager')
        cls.owner = cls._user('svc_owner', cls.company_a, 'crm_erp_bridge.group_crm_erp_service_user')
        cls.team = cls.env['crm.team'].create({'name': 'Service A', 'user_id': cls.leader.id,
                                               'company_id': cls.company_a.id})
        cls.customer = cls._customer('Service customer', email='buyer@customer.example')
        # company A's own service level for priority Normal: 4 h to respond, 24 h to solve,
        # the team leader 2 h after a missed deadline
        cls.env['crm.erp.service.deadline'].create({
            'company_id': cls.company_a.id, 'priority': '1', 'response_hours': 4.0, 'resolution_hours': 24.0,
            'escalation_grace_hours': 2.0})
        cls.stage = {name: cls.env.ref('crm_erp_bridge.crm_erp_service_stage_' + name)
                     for name in ('new', 'in_progress', 'waiting', 'solved', 'closed')}

    @classmethod
    def _request(cls, received='2025-12-01 08:00:00', **vals):
        return cls.Request.create(dict({
            'name': 'Broken desk', 'kind': 'complaint', 'partner_id': cls.customer.id,
            'company_id': cls.company_a.id, 'user_id': cls.owner.id, 'team_id': cls.team.id,
            'date_received': received}, **vals))
