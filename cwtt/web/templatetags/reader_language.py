"""`{{ problem.message|in_reader_language }}`: a file reader's or checker's message in the
page's language when it was marked for translation, or as it came (decision 0062)."""

from django import template

from cwtt.web.answer_messages import translated

register = template.Library()


@register.filter
def in_reader_language(message: object) -> object:
    return translated(message) if isinstance(message, str) else message
