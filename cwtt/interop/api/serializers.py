"""The shape of each resource. Views build plain dicts through the access policy (views.py);
these serializers give them their declared shape and the OpenAPI schema.

A value the reader may not see is null, never left out, and the record names it in `withheld`
(a child's fields) or says `details_withheld` (a child's casework, when the caregiver has not
agreed to share with the reader's sector): so every response has one shape whoever reads it.
"""

from __future__ import annotations

from rest_framework import serializers

from cwtt.assessments.models import Assessment, Respondent
from cwtt.cases.models import Case
from cwtt.referrals.models import Status as ReferralStatus
from cwtt.referrals.models import Urgency

LEVELS = ["low", "moderate", "high", ""]


def _text(**kwargs) -> serializers.CharField:
    return serializers.CharField(allow_null=True, allow_blank=True, **kwargs)


def _level() -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=LEVELS, allow_null=True, allow_blank=True)


class SchoolSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    emis_number = serializers.CharField()
    name = serializers.CharField()
    quintile = serializers.IntegerField(allow_null=True)
    location = serializers.CharField(help_text="Code of the circuit or district the school is in")
    location_name = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)


class ChildSummarySerializer(serializers.Serializer):
    """A child in a list: the general fields every reader of the child may see (as a class
    list shows). The whole record, as far as the reader may see it, is at the child's own
    address."""

    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    sex = serializers.CharField()
    school = serializers.IntegerField()
    school_class = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()


class CaregiverSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    relation = serializers.CharField()
    is_primary = serializers.BooleanField()
    phone = _text(help_text="Null unless the reader may see contact details")


class HouseholdConditionsSerializer(serializers.Serializer):
    water = serializers.CharField(allow_blank=True)
    electricity = serializers.CharField(allow_blank=True)
    sanitation = serializers.CharField(allow_blank=True)


class ChildSerializer(ChildSummarySerializer):
    """One child's record as the child's page shows it to this reader (docs/access.md)."""

    grant_status = _text()
    household_conditions = HouseholdConditionsSerializer(allow_null=True)
    caregivers = CaregiverSerializer(many=True, allow_null=True)
    household_address = _text()
    sa_id_number = _text()
    birth_certificate_number = _text()
    via = serializers.ChoiceField(
        choices=["assignment", "emergency"],
        help_text="How the reader may see the child: their school, or emergency access",
    )
    withheld = serializers.ListField(
        child=serializers.CharField(), help_text="Fields of the record this reader may not see"
    )
    details_withheld_for = _text(
        help_text="The sharing consent whose absence keeps the child's details from the reader"
    )


class RiskProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    child = serializers.IntegerField()
    wave = serializers.IntegerField()
    wave_name = serializers.CharField()
    details_withheld = serializers.BooleanField(
        help_text="True when the caregiver has not agreed to share with the reader's sector: "
        "the levels are then null, as on the child's page"
    )
    # The level per domain (DOMAINS), as on the child's page; never the reasons.
    health = _level()
    nutrition = _level()
    economic = _level()
    education = _level()
    protection = _level()
    psychosocial = _level()
    overall = _level()
    urgent = serializers.BooleanField(allow_null=True)
    discordant = serializers.BooleanField(allow_null=True)
    assessment_count = serializers.IntegerField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    level = serializers.CharField()
    informant = _text(required=False)
    withheld = serializers.BooleanField(
        help_text="A concern beyond what the reader may read: its details are for the staff "
        "whose work needs them"
    )


class DomainSerializer(serializers.Serializer):
    domain = serializers.CharField()
    label = serializers.CharField()
    level = _level()
    discordant = serializers.BooleanField()
    informant_levels = serializers.DictField(child=serializers.CharField(allow_blank=True))
    reasons = ReasonSerializer(many=True)


class RiskProfileDetailSerializer(RiskProfileSerializer):
    domains = DomainSerializer(many=True)
    urgent_reasons = ReasonSerializer(many=True)


class AssessmentSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    child = serializers.IntegerField()
    wave = serializers.IntegerField()
    details_withheld = serializers.BooleanField()
    respondent = _text()
    status = _text()
    assessed_on = serializers.DateField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    assessor = _text(help_text="Username of the person who captured it")
    revision = _text(help_text="Send it back as base_revision to change this record")


class AssessmentDetailSerializer(AssessmentSerializer):
    answers = serializers.DictField(
        help_text="The answers this reader may read (the questionnaire's page shows the same)"
    )
    answers_withheld = serializers.IntegerField(help_text="How many answers are not shown")


class AssessmentWriteSerializer(serializers.Serializer):
    """One questionnaire, sent as the capture page sends it. A retry with the same uuid and
    content changes nothing; changing a record needs the `revision` it was last read at."""

    uuid = serializers.UUIDField(help_text="Made by the client; identifies the record")
    child = serializers.IntegerField(min_value=1)
    wave = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    respondent = serializers.ChoiceField(choices=Respondent.choices)
    answers = serializers.DictField(child=serializers.JSONField())
    assessed_on = serializers.DateField()
    status = serializers.ChoiceField(
        choices=[Assessment.Status.DRAFT, Assessment.Status.SUBMITTED],
        default=Assessment.Status.SUBMITTED,
    )
    informant_caregiver = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    keep_alongside = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=20
    )
    repeat_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why a second questionnaire of this kind is kept; needed with keep_alongside",
    )
    base_revision = serializers.CharField(
        required=False, allow_null=True, max_length=64, help_text="Needed to change a record"
    )


class SaveResultSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    created = serializers.BooleanField()
    changed = serializers.BooleanField()
    revision = serializers.CharField()
    risk_updated = serializers.BooleanField()
    child = serializers.IntegerField(
        help_text="The child the questionnaire was saved for: the kept record when the child "
        "sent for was registered twice and merged (decision 0043)"
    )
    note = serializers.CharField(
        required=False, help_text="Said in plain words when it was saved on the kept record"
    )


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    child = serializers.IntegerField()
    school = serializers.IntegerField()
    status = serializers.CharField()
    details_withheld = serializers.BooleanField()
    proposed_reason = _text()
    lead = _text(help_text="Username of the case's lead")
    created_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closure_reason = serializers.CharField(allow_blank=True)


class GoalSerializer(serializers.Serializer):
    domain = serializers.CharField()
    description = serializers.CharField()
    benchmark = serializers.CharField()
    achieved = serializers.BooleanField()
    achieved_on = serializers.DateField(allow_null=True)


class ReviewSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    next_due_on = serializers.DateField()
    notes = _text(help_text="Case notes: null unless the reader may read case notes")


class ServiceDeliveredSerializer(serializers.Serializer):
    service_type = serializers.CharField()
    delivered_on = serializers.DateField()
    provided_by = serializers.CharField(allow_blank=True)
    outcome = serializers.CharField()
    notes = _text(help_text="Case notes: null unless the reader may read case notes")


class CaseDetailSerializer(CaseSerializer):
    dismissed_reason = _text()
    goals = GoalSerializer(many=True)
    reviews = ReviewSerializer(many=True)
    services = ServiceDeliveredSerializer(many=True)


class ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    child = serializers.IntegerField()
    service_type = serializers.CharField()
    provider = serializers.IntegerField(allow_null=True)
    provider_name = serializers.CharField(allow_blank=True)
    sector = serializers.CharField(allow_blank=True)
    urgency = serializers.CharField()
    status = serializers.CharField()
    created_by = _text()
    created_at = serializers.DateTimeField()
    due_by = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_on = serializers.DateField(allow_null=True)
    reason_withheld = serializers.BooleanField(
        help_text="True when the reason draws on answers the reader may not read: the reason, "
        "outcome and feedback are then null"
    )
    reason = _text()
    outcome = _text()
    feedback = _text()
    decline_reason = _text()
    cancel_reason = _text()


class ProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    organisation = _text()
    sector = serializers.CharField(allow_blank=True)
    service_types = serializers.ListField(child=serializers.CharField())
    address = serializers.CharField(allow_blank=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    phone = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    hours = serializers.CharField(allow_blank=True)
    eligibility = serializers.CharField(allow_blank=True)
    active = serializers.BooleanField()


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    school = serializers.IntegerField()
    kind = serializers.CharField()
    held_on = serializers.DateField()
    status = serializers.CharField()


class AgendaItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    position = serializers.IntegerField()
    child = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    decision = serializers.CharField(allow_blank=True)


class ActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.IntegerField(allow_null=True)
    description = serializers.CharField()
    owner = serializers.CharField(help_text="Username of the person who does it")
    due_on = serializers.DateField()
    done_on = serializers.DateField(allow_null=True)


class AttendeeSerializer(serializers.Serializer):
    name = serializers.CharField()
    sector = serializers.CharField(allow_blank=True)


class MeetingDetailSerializer(MeetingSerializer):
    items = AgendaItemSerializer(many=True)
    actions = ActionItemSerializer(many=True)
    attendees = AttendeeSerializer(many=True)


class ProblemSerializer(serializers.Serializer):
    """What was wrong with a write, by field or question; nothing was saved."""

    errors = serializers.DictField(child=serializers.CharField())


class ReferralWriteSerializer(serializers.Serializer):
    """A referral typed by hand, saved as a draft; send it with a move to `sent`."""

    child = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    service_type = serializers.CharField(max_length=40, help_text="A catalogue code")
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    reason = serializers.CharField(max_length=5000)
    provider = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True
    )
    provider_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    sector = serializers.CharField(max_length=24, required=False, allow_blank=True, default="")


class ReferralMoveSerializer(serializers.Serializer):
    """One step of a referral, as the buttons on its page: the details each step needs (a
    reason to decline or cancel; the date, outcome and feedback of a delivery)."""

    from_status = serializers.ChoiceField(
        choices=ReferralStatus.choices, help_text="The status you last read"
    )
    to = serializers.ChoiceField(choices=ReferralStatus.choices)
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    delivered_on = serializers.CharField(max_length=10, required=False, allow_blank=True)
    outcome = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    feedback = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ReferralMovedSerializer(ReferralSerializer):
    feedback_url = _text(
        help_text="After sending: the provider's feedback link, shown this once (also in the "
        "printed letter)"
    )


CaseStatus = Case.Status


class CaseMoveSerializer(serializers.Serializer):
    """One step of a case, as the buttons on its page. Steps that need a supervisor's approval
    (starting the plan, closing) are asked for on the case page."""

    from_status = serializers.ChoiceField(
        choices=CaseStatus.choices, help_text="The status you last read"
    )
    to = serializers.ChoiceField(choices=CaseStatus.choices)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
