"""Signals other apps listen to, so the registry need not know them."""

from django.dispatch import Signal

# Sent (inside the writing transaction) when a child's school changes, with `child`,
# `from_school_id` and `to_school_id`. Cases follow the child to the new school's team.
child_school_changed = Signal()
