"""Name matching between requirement vocabulary and whatever a generated API chose.

A suite says `display_name`; one backend calls it `nickname`, another `displayName`. Matching is on
normalised words (camelCase, kebab-case and snake_case split, lower-cased, singular) plus the
suite's alias groups, so the suites stay in the requirement's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
_IRREGULAR = {"people": "person", "children": "child", "men": "man", "women": "woman", "data": "data",
              "media": "media", "criteria": "criterion", "indices": "index", "statuses": "status"}
_KEEP_S = ("ss", "us", "is")


def singular(word: str) -> str:
    """English singular of one lower-case word, good enough for resource names."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if len(word) > 2 and word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-1]
    return word


def words(name: str) -> tuple[str, ...]:
    """The singular lower-case words of an identifier or phrase: `editHistories` -> (edit, history)."""
    parts: list[str] = []
    for chunk in _SEPARATORS.split(name):
        parts.extend(piece for piece in _CAMEL.split(chunk) if piece)
    return tuple(singular(part.lower()) for part in parts)


def key(name: str) -> str:
    """One comparable string per name: `display_name`, `displayName`, `display-names` all agree."""
    return "".join(words(name))


class Vocabulary:
    """A suite's alias groups: a requirement term and the names an API may use for it instead."""

    def __init__(self, aliases: Mapping[str, Iterable[str]] | None = None) -> None:
        self._groups: dict[str, list[str]] = {}
        for term, synonyms in (aliases or {}).items():
            group = [key(term), *(key(s) for s in synonyms)]
            for member in group:
                known = self._groups.setdefault(member, [member])
                known.extend(m for m in group if m not in known)

    def forms(self, name: str) -> list[str]:
        """The name's own key first, then its synonyms' keys in the order the suite listed them."""
        own = key(name)
        return self._groups.get(own, [own])

    def same(self, left: str, right: str) -> bool:
        return key(right) in self.forms(left)

    def match(self, name: str, candidates: Iterable[str], taken: Iterable[str] = ()) -> str | None:
        """The candidate that names the same thing, preferring an exact key over a synonym."""
        by_key: dict[str, str] = {}
        for candidate in candidates:
            if candidate not in taken:
                by_key.setdefault(key(candidate), candidate)
        for form in self.forms(name):
            if form in by_key:
                return by_key[form]
        return None
