"""gitattributes glob patterns, matched in time linear in the path, whatever the patterns.

All the patterns of a file are compiled into one NFA whose states are the positions between
tokens (plus one accepting state per pattern); a path is matched by moving the whole set of
live states one character at a time. The states are the bits of one int, so a step is a few
big-int operations (or one lookup, for a set of states met before), and there is no
backtracking: `*a*a*a*a*a*a*a*a*b` costs what `*.bin` costs, one step per character.

Syntax (git's, for attribute files): `*` any run of characters except `/`, `?` one character
except `/`, `[abc]`, `[a-z]`, `[!x]` / `[^x]` one character from a set, `\\x` a literal `x`;
`**/` at the start or `/**/` inside: zero or more directories; `/**` at the end: everything
inside. A pattern without `/` matches the file name at any depth; a pattern with one is
anchored at the repo root. A trailing `/` names directories, which never match a file.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import cast

MAX_PATTERN_CHARS = 1024
DFA_BUDGET_BITS = 16 * 1024 * 1024  # remembered state sets: 2 MB per NFA at most
_MASK_CACHE = 4096

# Token kinds. The one-character kinds consume exactly one character. `**/` is two states:
# an entry that may skip it all (zero directories) and a loop over any characters that
# leaves only by consuming a `/`.
_LITERAL, _ONE, _SET, _STAR, _DIRS_ENTRY, _DIRS_LOOP, _REST = range(7)

Token = tuple[int, object]
CharSet = tuple[bool, list[tuple[str, str]]]  # (negated, inclusive ranges)


class GlobSet:
    """Patterns compiled together; `last_match(path)` is the index of the last one matching."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = list(patterns)
        self._on_name = _Nfa()  # patterns without a slash: matched against the file name
        self._on_path = _Nfa()  # anchored patterns: matched against the whole path
        for index, pattern in enumerate(self.patterns):
            if not pattern or len(pattern) > MAX_PATTERN_CHARS or pattern.endswith("/"):
                continue  # too long, or a directory pattern: never matches a file
            nfa = self._on_name if "/" not in pattern else self._on_path
            nfa.add(index, _tokenize(pattern.removeprefix("/")))

    def last_match(self, path: str) -> int | None:
        name = path.rsplit("/", 1)[-1]
        found = self._on_name.matches(name) + self._on_path.matches(path)
        return max(found, default=None)

    def match(self, path: str) -> bool:
        return self.last_match(path) is not None

    def last_matches_along(self, path: str) -> list[int | None]:
        """`last_match` of each leading part of `path` that ends before a `/`, then of the
        whole path (`a`, `a/b`, `a/b/c` for `a/b/c`), in one pass over the path."""
        parts = path.split("/")
        on_path = self._on_path.matches_along(path)
        return [
            max(self._on_name.matches(part) + on_path[index], default=None)
            for index, part in enumerate(parts)
        ]


def compile_glob(pattern: str) -> GlobSet:
    return GlobSet([pattern])


class _Nfa:
    """The union of several token lists, each followed by its own accepting state."""

    def __init__(self) -> None:
        self.size = 0
        self.start = 0
        self.accepting: dict[int, int] = {}  # accepting bit -> pattern index
        self.accept_mask = 0
        self.literals: dict[str, int] = {}
        self.one = 0  # `?`: any character but `/`
        self.sets: list[tuple[int, bool, list[tuple[str, str]]]] = []
        self.star = 0  # loop on any character but `/`
        self.any = 0  # loop on any character
        self.slash = 0  # one-character states that take only `/`
        self.skip1 = 0  # may advance one state without consuming
        self.skip2 = 0  # `**/` entries: may skip their loop too (zero directories)
        self._masks: dict[str, int] = {}
        self._numbers: dict[int, int] = {}  # state set -> its number
        self._sets: list[int] = []  # number -> state set
        self._moves: list[dict[str, int]] = []  # number -> character -> next number
        self._numbering = threading.Lock()  # compiled rules are shared by request threads

    def add(self, index: int, tokens: list[Token]) -> None:
        base = self.size
        self.start |= 1 << base
        for offset, (kind, arg) in enumerate(tokens):
            bit = 1 << (base + offset)
            if kind == _LITERAL:
                assert isinstance(arg, str)
                self.literals[arg] = self.literals.get(arg, 0) | bit
            elif kind == _ONE:
                self.one |= bit
            elif kind == _SET:
                negated, ranges = cast(CharSet, arg)
                self.sets.append((bit, negated, ranges))
            elif kind == _STAR:
                self.star |= bit
                self.skip1 |= bit
            elif kind == _REST:
                self.any |= bit
                self.skip1 |= bit
            elif kind == _DIRS_ENTRY:
                self.skip1 |= bit
                self.skip2 |= bit
            elif kind == _DIRS_LOOP:
                self.any |= bit
                self.slash |= bit
        accept = base + len(tokens)
        self.accepting[accept] = index
        self.accept_mask |= 1 << accept
        self.size = accept + 1

    def matches(self, subject: str) -> list[int]:
        """Indexes of the patterns matching all of `subject`.

        State sets met before are numbered and their moves remembered (a DFA built lazily,
        within a memory budget), so a step is usually one dict lookup; past the budget each
        step is computed on the NFA, never more than that.
        """
        if not self.accepting:
            return []
        states = self._closure(self.start)
        known = self._number(states)
        for char in subject:
            if known is not None:
                follow = self._moves[known].get(char)
                if follow is not None:
                    known = follow
                    continue
                states = self._sets[known]
            states = self._step(states, char)
            if not states:
                return []
            follow = self._number(states)
            if known is not None and follow is not None:
                self._moves[known][char] = follow
            known = follow
        if known is not None:
            states = self._sets[known]
        hits = states & self.accept_mask
        return [index for bit, index in self.accepting.items() if hits >> bit & 1]

    def matches_along(self, subject: str) -> list[list[int]]:
        """`matches` of each leading part of `subject` ending before a `/`, then of all of it
        (one list per part), moving through `subject` once."""
        found: list[list[int]] = []
        states = self._closure(self.start) if self.accepting else 0
        for char in subject:
            if char == "/":
                found.append(self._accepted(states))
            if states:
                states = self._step(states, char)
        found.append(self._accepted(states))
        return found

    def _accepted(self, states: int) -> list[int]:
        hits = states & self.accept_mask
        return [index for bit, index in self.accepting.items() if hits >> bit & 1]

    def _step(self, states: int, char: str) -> int:
        moved = (states & self._mask(char)) << 1
        looping = states & (self.any | (self.star if char != "/" else 0))
        return self._closure(moved | looping)

    def _number(self, states: int) -> int | None:
        """The number of a state set (None once the budget of remembered sets is spent)."""
        number = self._numbers.get(states)
        if number is not None:
            return number
        with self._numbering:
            if len(self._sets) * max(self.size, 64) >= DFA_BUDGET_BITS:
                return None
            number = self._numbers.setdefault(states, len(self._sets))
            if number == len(self._sets):
                self._sets.append(states)
                self._moves.append({})
        return number

    def _closure(self, states: int) -> int:
        """Add the states reachable without consuming (forward moves, a few rounds at most:
        tokenizing merges runs of stars, so skips chain over at most three states)."""
        while True:
            grown = states | ((states & self.skip1) << 1) | ((states & self.skip2) << 2)
            if grown == states:
                return states
            states = grown

    def _mask(self, char: str) -> int:
        """The one-character states that accept `char` (cached per character)."""
        mask = self._masks.get(char)
        if mask is not None:
            return mask
        mask = self.literals.get(char, 0)
        if char == "/":
            mask |= self.slash
        else:
            mask |= self.one
            for bit, negated, ranges in self.sets:
                if any(low <= char <= high for low, high in ranges) != negated:
                    mask |= bit
        if len(self._masks) < _MASK_CACHE:
            self._masks[char] = mask
        return mask


def _tokenize(pattern: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            whole_segment = j - i >= 2 and (i == 0 or pattern[i - 1] == "/")
            if whole_segment and j < n and pattern[j] == "/":
                if tokens[-2:] != [(_DIRS_ENTRY, None), (_DIRS_LOOP, None)]:  # `**/**/` = `**/`
                    tokens += [(_DIRS_ENTRY, None), (_DIRS_LOOP, None)]
                i = j + 1
                continue
            if whole_segment and j == n and i > 0:
                tokens.append((_REST, None))
            elif not tokens or tokens[-1][0] != _STAR:
                tokens.append((_STAR, None))
            i = j
        elif char == "?":
            tokens.append((_ONE, None))
            i += 1
        elif char == "[" and (parsed := _char_set(pattern, i)) is not None:
            arg, i = parsed
            tokens.append((_SET, arg))
        elif char == "\\" and i + 1 < n:
            tokens.append((_LITERAL, pattern[i + 1]))
            i += 2
        else:
            tokens.append((_LITERAL, char))
            i += 1
    return tokens


def _char_set(pattern: str, start: int) -> tuple[CharSet, int] | None:
    """Parse `[...]` at `start`: ((negated, ranges), index after `]`), or None if unclosed."""
    i = start + 1
    negated = i < len(pattern) and pattern[i] in "!^"
    if negated:
        i += 1
    ranges: list[tuple[str, str]] = []
    first = True
    while i < len(pattern):
        char = pattern[i]
        if char == "]" and not first:
            return (negated, ranges), i + 1
        first = False
        if char == "\\" and i + 1 < len(pattern):
            i += 1
            char = pattern[i]
        if i + 2 < len(pattern) and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            ranges.append((char, pattern[i + 2]))
            i += 3
        else:
            ranges.append((char, char))
            i += 1
    return None
