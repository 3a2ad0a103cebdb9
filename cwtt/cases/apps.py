from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cwtt.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from cwtt.assessments.signals import profile_scored

        def propose(sender, profile, **kwargs):
            from .actions import case_propose_for

            case_propose_for(profile)

        # A child whose profile turns high (or urgent) gets a proposed case at once.
        profile_scored.connect(propose, dispatch_uid="cwtt-cases-propose", weak=False)

        from cwtt.registry.signals import child_school_changed

        def follow(sender, child, **kwargs):
            from .actions import cases_follow_child

            cases_follow_child(child)

        # A child who changes school takes their open case to the new school's team.
        child_school_changed.connect(follow, dispatch_uid="cwtt-cases-follow", weak=False)
