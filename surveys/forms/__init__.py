"""Forms of the survey pages for administrators. They only parse and check input; every write
goes through ``surveys.services``, which has the last word (its refusals are shown on these
forms)."""

from surveys.forms.campaigns import (
    DATETIME_FORMAT,
    DATETIME_WIDGET,
    CampaignFilterForm,
    CampaignForm,
    TargetForm,
    TickedMunicipalities,
)
from surveys.forms.common import add_service_errors
from surveys.forms.invitations import IMPORT_MAX_BYTES, InvitationForm, InvitationImportForm
from surveys.forms.questionnaires import QuestionnaireForm, QuestionTypeForm
from surveys.forms.questions import (
    NO_CONDITION,
    OPTIONAL_FIELDS,
    TYPE_FIELDS,
    MoveForm,
    QuestionForm,
    VersionForm,
    keep_ids,
    question_initial,
)

__all__ = [
    "DATETIME_FORMAT",
    "DATETIME_WIDGET",
    "IMPORT_MAX_BYTES",
    "NO_CONDITION",
    "OPTIONAL_FIELDS",
    "TYPE_FIELDS",
    "CampaignFilterForm",
    "CampaignForm",
    "InvitationForm",
    "InvitationImportForm",
    "MoveForm",
    "QuestionForm",
    "QuestionTypeForm",
    "QuestionnaireForm",
    "TargetForm",
    "TickedMunicipalities",
    "VersionForm",
    "add_service_errors",
    "keep_ids",
    "question_initial",
]
