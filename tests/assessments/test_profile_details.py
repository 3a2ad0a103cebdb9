"""A rescore stores which rules fired, not the details; every reader still gets the details.

`ProfileDetailsField` renders details stored as which rules fired (`cwtt rescore`) back into the
full details when the column is read. Every reader of `RiskProfile.details` reads it through
the ORM (a model, `values()`, `values_list()`), so what each shows is the same if those give the
same details, keys in the same order, as the full details `risk_profile_recompute` stores.
"""

from __future__ import annotations

import json

from django.db.models import TextField
from django.db.models.functions import Cast
from hypothesis import given
from hypothesis import strategies as st

from cwtt.assessments.actions import risk_profile_recompute
from cwtt.assessments.models import RiskProfile, Wave
from cwtt.assessments.profile_details import FIRED, FiredTexts, fired_text
from cwtt.assessments.rescoring import rescore_run, rescore_start
from cwtt.instruments.actions import rule_sensitivities_for
from cwtt.interop.api.views import profile_row
from cwtt.registry.models import Caregiver, Child
from cwtt.synthetic.generate import generate_district
from cwtt.web.presenters import profile_view
from tests.conftest import TODAY

EVERY_CLASS = frozenset({"general", "protection", "health", "sensitive"})


def _as_read() -> dict[tuple[int, int], tuple]:
    """Each profile's details as each kind of ORM read gives them, as text (so key order
    counts), and as a child's page and the API present the profile."""
    by_model = {}
    for profile in RiskProfile.objects.select_related("wave").order_by("pk"):
        view = profile_view(
            profile, rule_sensitivities_for(profile.instrument_version_id), EVERY_CLASS
        )
        page = [
            (d.domain, d.level, d.reasons, list(d.informant_levels.items()), d.discordant,
             d.by_informant)
            for d in view.domains
        ]  # fmt: skip
        by_model[(profile.child_id, profile.wave_id)] = (
            json.dumps(profile.details),
            repr((page, view.urgent_reasons, view.informants)),
            repr(profile_row(profile, withheld=False) | {"computed_at": None}),
        )
    by_values = {
        (row["child_id"], row["wave_id"]): json.dumps(row["details"])
        for row in RiskProfile.objects.values("child_id", "wave_id", "details")
    }
    by_values_list = {
        (child_id, wave_id): json.dumps(details)
        for child_id, wave_id, details in RiskProfile.objects.values_list(
            "child_id", "wave_id", "details"
        )
    }
    return {pair: (*read, by_values[pair], by_values_list[pair]) for pair, read in by_model.items()}


def _stored_texts() -> list[str]:
    return list(
        RiskProfile.objects.annotate(text=Cast("details", TextField())).values_list(
            "text", flat=True
        )
    )


def test_details_stored_as_which_rules_fired_read_exactly_as_the_full_details(default_version):
    generate_district(schools=2, learners_per_school=30, waves=2, seed=8, today=TODAY)
    # Names that need escaping, or are not ASCII, in the informants' names.
    names = [("Zoë", 'Müller-ǃXóõ "Mama"'), ("Nomsa\\", "Dlamini\t"), ("Ωmega", "Ngcobo 😀")]
    for number, caregiver in enumerate(Caregiver.objects.order_by("pk")[:30]):
        first, last = names[number % len(names)]
        Caregiver.objects.filter(pk=caregiver.pk).update(first_name=first, last_name=last)
    rescore_run(rescore_start(restart=True).pk)
    compact = _stored_texts()
    assert all(text.startswith(f'["{FIRED}"') for text in compact)
    fired = _as_read()

    for child_id, wave_id in fired:
        risk_profile_recompute(
            child=Child.objects.get(pk=child_id), wave=Wave.objects.get(pk=wave_id)
        )
    full = _stored_texts()
    assert not any(FIRED in text for text in full)

    assert _as_read() == fired
    assert len(fired) > 100
    # What is stored is a small part of the full details.
    assert sum(map(len, compact)) * 8 < sum(map(len, full))
    readings = [json.loads(row[0]) for row in fired.values()]
    assert any(details["urgent_findings"] for details in readings)
    assert any("Müller" in row[0] or "M\\u00fcller" in row[0] for row in fired.values())


@given(
    version_id=st.integers(1, 10**6),
    records=st.lists(
        st.tuples(
            st.text(max_size=30),
            st.sampled_from(["caregiver", "teacher", "nurse", "child"]),
            st.lists(st.integers(0, 200), max_size=12),
            st.lists(st.integers(0, 5), max_size=6, unique=True).map(tuple),
        ),
        max_size=5,
    ),
    jsonb=st.booleans(),
)
def test_fired_texts_written_piece_by_piece_are_fired_text(version_id, records, jsonb):
    texts = FiredTexts(jsonb=jsonb)
    written = texts.profile(version_id, [texts.record(*record) for record in records])
    assert written == fired_text(version_id, records, jsonb=jsonb)
