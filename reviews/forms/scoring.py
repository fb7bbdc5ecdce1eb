"""Forms of the expert's side of scoring and of the ranking."""
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..services.scoring import ScoreEntry


class DeclarationForm(forms.Form):
    NO_CONFLICT = "none"
    CONFLICT = "conflict"

    declaration = forms.ChoiceField(
        label=_("Declaration"), widget=forms.RadioSelect,
        choices=[
            (NO_CONFLICT, _("I have no conflict of interest with this item")),
            (CONFLICT, _("I have a conflict of interest with this item")),
        ],
    )
    statement = forms.CharField(
        label=_("Nature of the conflict"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you declare a conflict: employment, shareholding, family, collaboration…"),
    )

    def clean(self):
        data = super().clean()
        if data.get("declaration") == self.CONFLICT and not data.get("statement", "").strip():
            self.add_error("statement", _("Describe the conflict of interest."))
        return data

    @property
    def has_conflict(self) -> bool:
        return self.cleaned_data["declaration"] == self.CONFLICT


class ScoreSheetForm(forms.Form):
    """One row per criterion of the rubric: points (0 to the criterion's maximum, two decimals) and
    a comment. Saving a draft accepts blank points; submitting needs every criterion scored."""

    SUBMIT = "submit"

    def __init__(self, *args, criteria, scores, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.submitting = submitting
        for criterion in criteria:
            saved = scores.get(criterion.pk)
            self.fields[self.points_name(criterion)] = forms.DecimalField(
                label=criterion.name, required=False, min_value=Decimal(0), max_value=criterion.max_points,
                max_digits=6, decimal_places=2, initial=saved.points if saved else None,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": str(criterion.max_points),
                                                "inputmode": "decimal", "class": "form-control form-control-sm"}),
            )
            self.fields[self.comment_name(criterion)] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": criterion.name}, required=False,
                max_length=2000, initial=saved.comment if saved else "",
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
            )

    @staticmethod
    def points_name(criterion) -> str:
        return f"points_{criterion.pk}"

    @staticmethod
    def comment_name(criterion) -> str:
        return f"comment_{criterion.pk}"

    def rows(self):
        """(criterion, points field, comment field) for the template."""
        return [(c, self[self.points_name(c)], self[self.comment_name(c)]) for c in self.criteria]

    def clean(self):
        data = super().clean()
        for criterion in self.criteria:
            points_name, comment_name = self.points_name(criterion), self.comment_name(criterion)
            if points_name in self.errors:
                continue
            if data.get(points_name) is None and self.submitting:
                self.add_error(points_name, _("Every criterion needs points before you submit."))
            elif data.get(points_name) is None and data.get(comment_name, "").strip():
                self.add_error(points_name, _("Enter the points for this criterion, or clear its comment."))
        return data

    def _post_clean(self):
        super()._post_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"

    def entries(self) -> dict[int, ScoreEntry]:
        return {
            c.pk: ScoreEntry(points=self.cleaned_data[self.points_name(c)],
                             comment=self.cleaned_data[self.comment_name(c)])
            for c in self.criteria
        }


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The expert is told, and the reason stays in the audit trail."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason for reopening."))
        return reason


class SiteListForm(forms.Form):
    """The items the manager puts on the site-inspection list: a choice among the proposed ones."""

    listed = forms.TypedMultipleChoiceField(
        label=_("Site-inspection list"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, ranking, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["listed"]
        field.choices = [(row.item.pk, str(row.item)) for row in ranking.proposed]
        if any(row.item.listed_for_inspection is not None for row in ranking.rows):
            field.initial = [row.item.pk for row in ranking.rows if row.item.listed_for_inspection]
        else:
            field.initial = [row.item.pk for row in ranking.proposed]
