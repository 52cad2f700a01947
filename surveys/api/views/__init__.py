"""The survey administration API: thin adapters over ``surveys.selectors`` and
``surveys.services``. Administrators (staff) only: 401 without an account, 403 for anybody
else. Questionnaires and campaigns travel with ``ETag``; a campaign's changes need
``If-Match`` (a questionnaire's take it when given)."""

from surveys.api.views.campaigns import (
    CampaignCloseApi,
    CampaignDetailApi,
    CampaignListApi,
    CampaignOpenApi,
    CampaignTransitionApi,
)
from surveys.api.views.common import (
    IF_MATCH_OPTIONAL,
    READ_ERRORS,
    IsSurveyAdministrator,
    SurveyAdminApi,
)
from surveys.api.views.invitations import (
    IMPORT_MAX_BYTES,
    CampaignInvitationImportApi,
    CampaignInvitationListApi,
    CampaignInvitationReissueApi,
)
from surveys.api.views.questionnaires import (
    QuestionDetailApi,
    QuestionMoveApi,
    QuestionnaireDetailApi,
    QuestionnaireListApi,
    QuestionnairePublishApi,
    QuestionnaireQuestionCreateApi,
    QuestionnaireVersionDetailApi,
)

__all__ = [
    "IF_MATCH_OPTIONAL",
    "IMPORT_MAX_BYTES",
    "READ_ERRORS",
    "CampaignCloseApi",
    "CampaignDetailApi",
    "CampaignInvitationImportApi",
    "CampaignInvitationListApi",
    "CampaignInvitationReissueApi",
    "CampaignListApi",
    "CampaignOpenApi",
    "CampaignTransitionApi",
    "IsSurveyAdministrator",
    "QuestionDetailApi",
    "QuestionMoveApi",
    "QuestionnaireDetailApi",
    "QuestionnaireListApi",
    "QuestionnairePublishApi",
    "QuestionnaireQuestionCreateApi",
    "QuestionnaireVersionDetailApi",
    "SurveyAdminApi",
]
