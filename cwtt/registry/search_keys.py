"""The keys a child is found by (docs/search.md, decision 0048). Plain Python, no models.

A child's name gives, per word, three keys: the word itself, its Metaphone code and its Soundex
code (from jellyfish), so "Nomvulo" finds Nomvula and "Tabo" finds Thabo. Identity numbers
give one key each (SA ID number, birth certificate number). Every key is stored as a keyed hash
(HMAC-SHA256 under a key derived from SECRET_KEY), never as text: the search table holds no
name or number that could be read back, and it keeps working if names are encrypted at rest.
The kind of key is part of what is hashed, so a name can never match an ID number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import jellyfish
from django.utils.crypto import salted_hmac

KEY_LENGTH = 24  # hex characters kept of each hash (96 bits): no collision in any province
_SALT = "cwtt.registry.search_keys"
_NOT_LETTERS = re.compile(r"[^a-z]+")
_NOT_ID = re.compile(r"[\s\-/.]+")


def words(text: str) -> list[str]:
    """Lower-case words of letters only, accents dropped: "Ntombi-Zodwa  Mokoena" gives
    ["ntombi", "zodwa", "mokoena"]."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    return [w for w in _NOT_LETTERS.split(plain.lower()) if w]


def identity_text(text: str) -> str:
    """An identity number as stored and compared: spaces, dashes and slashes removed, upper."""
    return _NOT_ID.sub("", text or "").upper()


def word_codes(word: str) -> set[str]:
    """The codes one name word is found by (before hashing)."""
    return {f"n:{word}", f"m:{jellyfish.metaphone(word)}", f"s:{jellyfish.soundex(word)}"}


def hashed(code: str) -> str:
    return salted_hmac(_SALT, code, algorithm="sha256").hexdigest()[:KEY_LENGTH]


def name_keys(text: str) -> set[str]:
    return {hashed(code) for word in words(text) for code in word_codes(word)}


def identity_keys(sa_id_number: str = "", birth_certificate_number: str = "") -> set[str]:
    keys = set()
    if identity_text(sa_id_number):
        keys.add(hashed(f"id:{identity_text(sa_id_number)}"))
    if identity_text(birth_certificate_number):
        keys.add(hashed(f"bc:{identity_text(birth_certificate_number)}"))
    return keys


def identity_query_keys(text: str) -> set[str]:
    """The keys a typed number is looked up by: it may be either kind of number."""
    number = identity_text(text)
    return {hashed(f"id:{number}"), hashed(f"bc:{number}")} if number else set()


def child_keys(child) -> set[str]:
    """Every key of one child (any object with the four fields)."""
    return name_keys(f"{child.first_name} {child.last_name}") | identity_keys(
        child.sa_id_number, child.birth_certificate_number
    )


# The fields whose change means a child's keys must be written again.
KEYED_FIELDS = frozenset({"first_name", "last_name", "sa_id_number", "birth_certificate_number"})


def needs_new_keys(update_fields: Iterable[str] | None) -> bool:
    return update_fields is None or bool(KEYED_FIELDS & set(update_fields))
