"""`cwtt quality report [--school EMIS] [--wave NAME]` — the data quality findings of the
quality page, for the data manager at the command line.

Children are named by id only (open /quality/ for names), and the details of answers are shown
only for the sensitivity classes a data manager reads, as on the page.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cwtt.access.roles import Role
from cwtt.access.sensitivity import readable_classes
from cwtt.assessments.models import Wave
from cwtt.quality.checks import DuplicateReason, ProblemKind, current_wave, quality_report
from cwtt.registry.models import School


class Command(BaseCommand):
    help = (
        "Print data quality findings: questionnaires not yet submitted per school and assessor, "
        "answers to check (instrument rules, plausible ranges, contradictions), children who "
        "may be registered twice, and assessments per person per day over the last 14 days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["report"])
        parser.add_argument("--school", help="Only this school (EMIS number)")
        parser.add_argument("--wave", help="This wave (by name); default: the current one")

    def handle(
        self, *args, action: str, school: str | None = None, wave: str | None = None, **options
    ) -> None:
        schools = School.objects.all()
        if school is not None:
            schools = schools.filter(emis_number=school)
            if not schools.exists():
                raise CommandError(f"No school has EMIS number {school!r}.")
        school_ids = list(schools.values_list("pk", flat=True))
        today = timezone.localdate()
        if wave is not None:
            chosen = Wave.objects.filter(name=wave).first()
            if chosen is None:
                raise CommandError(f"No wave is called {wave!r}; see `cwtt wave list`.")
        else:
            chosen = current_wave(school_ids, today)
        report = quality_report(school_ids=school_ids, wave=chosen, today=today)
        readable = readable_classes(Role.DATA_MANAGER)
        out = self.stdout.write
        scope = schools.first().name if school is not None else f"{len(school_ids)} schools"
        out(f"Data quality for {scope}, wave {chosen.name if chosen else '(none)'}, on {today}.")
        counts = report.counts()
        out("")
        out("Counts:")
        for key, value in counts.items():
            out(f"  {key}: {value}")
        if report.schools:
            out("")
            out("Completeness (active children: submitted, drafts pending, share):")
            for row in report.schools:
                share = f"{row.share}%" if row.share is not None else "-"
                out(
                    f"  {row.school_name} / {row.respondent}: {row.submitted} of {row.active} "
                    f"submitted, {row.drafts} drafts pending, {share}"
                )
        if report.assessors:
            out("")
            out("By assessor (assessments: submitted, drafts pending):")
            for row in report.assessors:
                out(
                    f"  {row.assessor_name} / {row.respondent}: {row.submitted} submitted, "
                    f"{row.drafts} drafts pending"
                )
        if report.problems:
            out("")
            out("Answers to check (child id, questionnaire, question: message):")
            for problem in report.problems:
                shown = problem.classes <= readable
                questions = ", ".join(problem.questions) if shown else "(not shown)"
                message = (
                    problem.message
                    if shown
                    else "details withheld: " + ", ".join(sorted(problem.classes - readable))
                )
                out(
                    f"  [{ProblemKind(problem.kind).label}] child {problem.child_id}, "
                    f"{'+'.join(problem.respondents)}, {questions}: {message}"
                )
        if report.duplicates:
            out("")
            out("Children who may be registered twice (child ids):")
            for pair in report.duplicates:
                where = "same school" if pair.same_school else "different schools"
                out(
                    f"  {pair.first_id} and {pair.second_id}: "
                    f"{DuplicateReason(pair.reason).label} ({pair.similarity:.2f}, {where})"
                )
        unusual = [v for v in report.volume if v.unusual]
        if unusual:
            out("")
            out(f"Days with more than {report.max_per_day} assessments by one person:")
            for day in unusual:
                out(f"  {day.day} {day.assessor_name}: {day.total}")
        if not report.timing_recorded:
            out("")
            out("Interview length is not recorded, so very fast interviews cannot be found.")
        out("")
        out(
            f"{sum(counts[k] for k in ProblemKind.values)} answers to check, "
            f"{counts['duplicates']} possible duplicates, {counts['unusual_days']} unusual days."
        )
