from . import mail_mass_mailing
from . import res_partner
from . import crm_erp_service_request
from . import survey_survey
from . import survey_question
from . import survey_mail_compose_message
