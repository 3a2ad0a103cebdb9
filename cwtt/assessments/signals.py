"""Signals other apps listen to, so scoring need not know them (cases proposes a case when a
child's profile turns high; cwtt/cases/apps.py connects it)."""

from django.dispatch import Signal

# Sent inside the scoring transaction with `profile` (a RiskProfile just recomputed, by an
# assessment saved, or by `cwtt rescore` when the profile is new or its levels or urgent flag
# changed: docs/decisions/0037-batched-resumable-rescoring.md). Bulk generation does not send
# it; run `cwtt cases propose --wave NAME` after generating.
profile_scored = Signal()
