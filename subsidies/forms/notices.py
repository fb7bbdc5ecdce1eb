"""Forms of the notice pages: the list filter and the manager's program-year request."""
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Notice


class NoticeFilterForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=None, required=False, empty_label=_("All"))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Notice.Kind.choices])
    state = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *Notice.State.choices])
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs


class GradeNoticesForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=None, empty_label=None)
    year = forms.TypedChoiceField(label=_("Evaluated year"), coerce=int, choices=())

    def __init__(self, *args, programs, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["year"].choices = [(year, str(year)) for year in years]
