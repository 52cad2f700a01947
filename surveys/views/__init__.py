"""Survey pages for administrators: questionnaires (the builder), campaigns, respondents.
Thin: they read through ``selectors``, write through ``services``, and leave the rest to
templates. Only administrators may open any of them."""

from surveys.views.campaigns import (
    campaign_create,
    campaign_detail,
    campaign_list,
    campaign_transition,
    campaign_update,
)
from surveys.views.invitations import invitation_create, invitation_import, invitation_reissue
from surveys.views.questionnaires import (
    questionnaire_create,
    questionnaire_detail,
    questionnaire_list,
    questionnaire_preview,
    questionnaire_publish,
    questionnaire_update,
)
from surveys.views.questions import question_create, question_delete, question_move, question_update

__all__ = [
    "campaign_create",
    "campaign_detail",
    "campaign_list",
    "campaign_transition",
    "campaign_update",
    "invitation_create",
    "invitation_import",
    "invitation_reissue",
    "question_create",
    "question_delete",
    "question_move",
    "question_update",
    "questionnaire_create",
    "questionnaire_detail",
    "questionnaire_list",
    "questionnaire_preview",
    "questionnaire_publish",
    "questionnaire_update",
]
