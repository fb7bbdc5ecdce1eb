from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import NoticeItem, Objection
from .inspections import DATE_WIDGET, YES_NO, coerce_yes

FILE_HELP = _("Optional. PDF, JPEG/PNG, Word or Excel; at most 20 MB.")
FILE_ACCEPT = {"accept": ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"}


class ApplicationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, application):
        return f"{application.reference} · {application.title} · {application.organization.name}"


class DecisionMeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DATE_WIDGET)
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}))
    approved = ApplicationChoiceField(
        label=_("Approved: to the public notice"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
    )
    not_approved = ApplicationChoiceField(
        label=_("Not approved: rejected"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("The applicants read the meeting's date and document number as the reason."),
    )

    def __init__(self, *args, applications=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()
        self.fields["approved"].queryset = applications
        self.fields["not_approved"].queryset = applications

    def clean(self):
        data = super().clean()
        approved, not_approved = set(data.get("approved") or []), set(data.get("not_approved") or [])
        if approved & not_approved:
            raise forms.ValidationError(_("An application cannot be both approved and not approved."))
        if not approved and not not_approved and not self.errors:
            raise forms.ValidationError(_("Choose the applications the meeting decided."))
        return data


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("Where and how to object, and the contact of the bureau."))
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_WIDGET,
                                help_text=_("The notice lasts the program's number of working days from this day."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate()


class NoticeItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item):
        return f"{item.published_name} · {item.published_lead_unit}"


class ObjectionForm(forms.Form):
    """The public's objection form: no account needed."""

    item = NoticeItemChoiceField(label=_("Concerning"), queryset=NoticeItem.objects.none(), required=False,
                                 empty_label=_("The notice as a whole"))
    name = forms.CharField(label=_("Your name"), max_length=64)
    contact = forms.CharField(label=_("Phone or email"), max_length=128,
                              help_text=_("So that the bureau can reply to you."))
    text = forms.CharField(label=_("Objection"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("State the facts and, where you can, the evidence."))
    attachment = forms.FileField(label=_("Evidence"), required=False, help_text=FILE_HELP,
                                 widget=forms.ClearableFileInput(attrs=FILE_ACCEPT))

    def __init__(self, *args, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = notice.items.all() if notice is not None else NoticeItem.objects.none()


class HandleObjectionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("uphold", _("Uphold: the item concerned is not approved")),
        ("dismiss", _("Dismiss")),
    ])
    item = NoticeItemChoiceField(label=_("Concerning"), queryset=NoticeItem.objects.none(), required=False,
                                 help_text=_("Needed when upholding an objection to a notice with several items."))
    response = forms.CharField(label=_("Response to the objector"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, objection: Objection | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if objection is not None:
            self.fields["item"].queryset = objection.notice.items.all()
            self.fields["item"].initial = objection.item_id

    @property
    def uphold(self) -> bool:
        return self.cleaned_data["decision"] == "uphold"


class DecideNoticeForm(forms.Form):
    published_on = forms.DateField(label=_("Result published on"), widget=DATE_WIDGET)
    document_number = forms.CharField(label=_("Document number of the result"), max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["published_on"].initial = timezone.localdate()


class RecognitionRequestForm(forms.Form):
    summary = forms.CharField(
        label=_("Construction tasks completed"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Against the seven check points: legal person and governance, roadmap and results, R&D team, "
                    "investment, plans, expert committee, alliance."),
    )
    materials = forms.FileField(label=_("Acceptance materials"), required=False, help_text=FILE_HELP,
                                widget=forms.ClearableFileInput(attrs=FILE_ACCEPT))


class ThirdPartyRecognitionForm(forms.Form):
    agency = forms.CharField(label=_("Commissioned third party"), max_length=200)
    concluded_on = forms.DateField(label=_("Date of the result"), widget=DATE_WIDGET)
    recognised = forms.TypedChoiceField(label=_("Recognised"), choices=YES_NO, coerce=coerce_yes,
                                        widget=forms.RadioSelect)
    summary = forms.CharField(label=_("Result and reasons"), widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("The applicant reads it."))
    evidence = forms.FileField(label=_("Evidence (the third party's report)"),
                               help_text=_("PDF, JPEG/PNG, Word or Excel; at most 20 MB."),
                               widget=forms.ClearableFileInput(attrs=FILE_ACCEPT))


class StateFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All"))] + list(choices)
