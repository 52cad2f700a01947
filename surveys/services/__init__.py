"""Every write to surveys goes through these services."""

from surveys.services.campaigns import (
    campaign_create,
    campaign_target_municipalities,
    campaign_transition,
    campaign_update,
    campaigns_close_expired,
)
from surveys.services.invitations import (
    ImportReport,
    IssuedInvitation,
    RowError,
    campaign_invitations_refusal,
    invitation_create,
    invitation_link,
    invitation_reissue,
    invitation_remind,
    invitation_reminders_due,
    invitation_reminders_send,
    invitation_send,
    invitations_import,
    invitations_sweep_unsent,
)
from surveys.services.questionnaires import (
    UNSET,
    questionnaire_create,
    questionnaire_publish,
    questionnaire_update,
)
from surveys.services.questions import (
    question_create,
    question_delete,
    question_move,
    question_update,
    questions_reorder,
)

__all__ = [
    "UNSET",
    "ImportReport",
    "IssuedInvitation",
    "RowError",
    "campaign_create",
    "campaign_invitations_refusal",
    "campaign_target_municipalities",
    "campaign_transition",
    "campaign_update",
    "campaigns_close_expired",
    "invitation_create",
    "invitation_link",
    "invitation_reissue",
    "invitation_remind",
    "invitation_reminders_due",
    "invitation_reminders_send",
    "invitation_send",
    "invitations_import",
    "invitations_sweep_unsent",
    "question_create",
    "question_delete",
    "question_move",
    "question_update",
    "questionnaire_create",
    "questionnaire_publish",
    "questionnaire_update",
    "questions_reorder",
]
