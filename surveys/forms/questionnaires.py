"""Forms of the questionnaire pages: its title and description, and the choice of a new
question's type."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import PageForm
from surveys.models import QuestionType

# --- questionnaires --------------------------------------------------------------------------


class QuestionnaireForm(PageForm):
    """Title and description; ``version`` is the builder's version when editing (optimistic
    locking: a save based on an older version is refused and shown as a conflict)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Respondents see it at the top of the form."),
    )
    description = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Optional: who runs the survey, why, and how long it takes. Shown above the questions."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class QuestionTypeForm(forms.Form):
    type = forms.ChoiceField(label=_("Type of question"), choices=QuestionType.choices)
