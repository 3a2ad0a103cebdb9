"""Forms of the administration pages. They turn what was typed into values and check its
shape only (a date is a date, a file is not too big); the rules themselves — a teacher needs a
school, a wave ends after it starts, a username is free — are checked by the actions, whose
problems the views file under these fields (decision 0020)."""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.utils.translation import gettext_lazy as _

from cwtt.access.roles import Role
from cwtt.instruments.engine.reader import MAX_FILE_BYTES as MAX_INSTRUMENT_BYTES
from cwtt.instruments.models import InstrumentVersion
from cwtt.interop.imports import KINDS
from cwtt.registry.models import Location, Organisation, School, Staff

# Uploads are read into memory; a district's class lists fit in far less.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class EmisNumbersField(forms.CharField):
    """EMIS numbers typed with spaces, commas or new lines between them."""

    def to_python(self, value) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        numbers = [n for n in re.split(r"[\s,;]+", text) if n]
        return list(dict.fromkeys(numbers))


def _upload_checked(upload, suffixes: set[str] | None = None, most: int = MAX_UPLOAD_BYTES):
    if upload.size > most:
        raise forms.ValidationError(
            _("The file is %(size)s MB; the most CWTT takes here is %(most)d MB.")
            % {"size": f"{upload.size / (1024 * 1024):.1f}", "most": most // (1024 * 1024)}
        )
    if suffixes is not None and Path(upload.name).suffix.lower() not in suffixes:
        raise forms.ValidationError(
            _("CWTT reads %(kinds)s files; this one is '%(name)s'.")
            % {"kinds": " ".join(sorted(suffixes)), "name": upload.name}
        )
    return upload


class UserAddForm(forms.Form):
    # Nothing is required here: cwtt.access.actions.user_add checks every detail at once and
    # its problems are shown next to these fields, so one attempt shows every problem.
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    username = forms.CharField(
        label=_("Username"),
        required=False,
        max_length=200,
        help_text=_(
            "What they type to sign in, for example thabo.mokoena. Letters, digits and "
            ". _ @ + - only."
        ),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Choose a role"))] + Role.choices
    )
    schools = EmisNumbersField(
        label=_("Schools (EMIS numbers)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_(
            "Field workers, teachers, social workers, nurses and coordinators: the EMIS numbers "
            "of their schools, with spaces or commas between them."
        ),
    )
    location = forms.ChoiceField(
        label=_("District or province"),
        required=False,
        help_text=_("District officials, provincial officials and researchers: their area."),
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        required=False,
        max_length=160,
        widget=forms.TextInput(attrs={"list": "organisations", "autocomplete": "off"}),
        help_text=_("Where they work. A new name adds the organisation."),
    )
    supervisor = forms.ChoiceField(
        label=_("Supervisor"),
        required=False,
        help_text=_("Told when this person opens a child's record in an emergency."),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text=_("For text messages about urgent work. Optional."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        areas = Location.objects.filter(
            level__in=[Location.Level.PROVINCE, Location.Level.DISTRICT]
        ).order_by("level", "name")
        self.fields["location"].choices = [("", _("None"))] + [
            (area.code, f"{area.name} ({area.get_level_display().lower()})") for area in areas
        ]
        staff = Staff.objects.filter(user__is_active=True).select_related("user")
        self.fields["supervisor"].choices = [("", _("None"))] + sorted(
            (
                (
                    s.user.username,
                    f"{s.user.get_full_name() or s.user.username} ({s.user.username})",
                )
                for s in staff
            ),
            key=lambda choice: choice[1].casefold(),
        )
        self.organisations = list(Organisation.objects.values_list("name", flat=True))

    # A missing detail the role needs, worded for this page (the command line names its
    # option instead); other problems are shown as the action words them.
    REQUIRED_MESSAGES = {
        "schools": _("This role needs at least one school: type its EMIS number."),
        "location": _("This role needs a district or province."),
    }


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file lists"),
        choices=[(kind.name, kind.label) for kind in KINDS.values()],
        widget=forms.RadioSelect,
        initial="schools",
    )
    file = forms.FileField(
        label=_("File (.csv or .xlsx)"),
        help_text=_(
            "The first row names the columns. A .csv file must be saved as UTF-8. Exports "
            "from KoboToolbox and ODK Central can be uploaded as they are."
        ),
    )
    wave = forms.CharField(
        label=_("Wave (assessments only)"),
        required=False,
        max_length=80,
        help_text=_("Leave blank to take each row's wave column, or the wave running that day."),
    )
    questionnaire = forms.CharField(
        label=_("Whose answers (assessments only)"),
        required=False,
        max_length=40,
        help_text=_("caregiver, teacher, nurse, ... Leave blank to tell from the columns."),
    )

    def clean_file(self):
        return _upload_checked(self.cleaned_data["file"], {".csv", ".xlsx", ".xlsm"})


class InstrumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Instrument file (an XLSForm: .xlsx, .xls, .csv or .md)"),
        help_text=_("The survey, choices and settings sheets of an XLSForm, plus CWTT scoring."),
    )

    def clean_file(self):
        # An instrument is far smaller than a class list; the reader has the same limit.
        return _upload_checked(self.cleaned_data["file"], most=MAX_INSTRUMENT_BYTES)


class WaveForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("For example: Wave 3 (2027).")
    )
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    schools = EmisNumbersField(
        label=_("Schools (EMIS numbers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "numeric"}),
        help_text=_("Leave empty for every school. Separate the numbers with spaces or commas."),
    )
    instrument_version = forms.ModelChoiceField(
        label=_("Instrument version"),
        queryset=InstrumentVersion.objects.none(),
        empty_label=None,
        help_text=_(
            "New assessments in this wave are answered with it. It cannot be changed later."
        ),
    )

    def __init__(self, *args, wave=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if wave is not None:
            # A wave keeps the version it opened with (cwtt.assessments.actions.wave_change).
            del self.fields["instrument_version"]
            return
        versions = InstrumentVersion.objects.select_related("instrument").order_by(
            "instrument__code", "-number"
        )
        field = self.fields["instrument_version"]
        field.queryset = versions
        field.label_from_instance = lambda v: (
            f"{v.instrument.title} — version {v.number}"
            + (f" ({v.version_label})" if v.version_label else "")
        )
        latest = versions.order_by("-published_at", "-pk").first()
        if latest is not None and not self.is_bound:
            self.initial.setdefault("instrument_version", latest.pk)

    def clean_schools(self) -> list[School]:
        numbers = self.cleaned_data["schools"]
        found = list(School.objects.filter(emis_number__in=numbers))
        unknown = [n for n in numbers if n not in {s.emis_number for s in found}]
        if unknown:
            raise forms.ValidationError(
                _("No school with EMIS number %(numbers)s.") % {"numbers": ", ".join(unknown)}
            )
        return found
