"""Text normalisation for the injection shield: undo the cheap tricks before detecting.

Attackers hide instructions from keyword filters with Unicode look-alikes, zero-width and bidi
control characters, odd spacing ("ignore  previous" with two spaces defeated the reference
shield), leetspeak, escaped newlines, and encodings (base64, hex, rot13). `normalise` folds all of
that into one lower-case, single-spaced string; `decoded_runs` returns the plain text hidden in
encoded runs so the detectors can scan it too. Both are pure functions and cheap on plain ASCII
(the common case skips the Unicode work entirely).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Normalised", "decoded_runs", "fold_leet", "normalise", "prepare"]

# Zero-width, joiner, bidi-control and other invisible format characters.
_INVISIBLE = dict.fromkeys([
    0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0,
    *range(0x200B, 0x2010),  # zero-width space/joiners, LRM/RLM
    *range(0x202A, 0x202F),  # bidi embeddings/overrides
    *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates
    *range(0xFE00, 0xFE10),  # variation selectors
    *range(0xE0000, 0xE0080),  # tag characters ("ASCII smuggling")
])

# Latin look-alikes NFKC leaves alone (Cyrillic, Greek, a few IPA/Latin-extended letters).
_CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ɡ": "g", "һ": "h", "ԛ": "q", "ԝ": "w", "ь": "b", "п": "n", "г": "r", "л": "n",
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
    "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    "ı": "i", "ȷ": "j", "ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe",
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
})
_LEET_CHARS = re.compile(r"[a-z][013457@$!]|[013457@$!][a-z]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
# A word mixing letters with leet digits/symbols, e.g. "1gn0re", "pr3v10us", "@dm1n".
# The first lookahead (is there a leet character in this run at all?) scans a word once and fails
# most words; the later ones backtrack quadratically in the word's length, so they run only after it.
_LEETY = re.compile(
    r"(?<![\w@$])(?=[^\W013457]*[013457@$!])(?=[\w@$!]*[a-z])(?=[\w@$!]*[013457@$!][\w@$!]*[a-z]|[a-z][\w@$!]*[013457@$])[\w@$!]{3,}"
)
# Digits then a unit or ordinal suffix, and timestamp pieces: numbers, not leetspeak.
_NOT_LEET = re.compile(r"\d+(?:st|nd|rd|th|[a-z])|\d+t\d+z?|\d+[a-z]\d+")
# Literal escape sequences left in serialised tool outputs (YAML/JSON strings): "\n", "\t", "\ ".
_ESCAPES = re.compile(r"\\[nrt]|\\(?=\s)|\\$|\\(?=\")|\\u200[bcd]", re.IGNORECASE)
# Letters spelled out one by one: "i g n o r e" or "i.g.n.o.r.e".
_SPACED = re.compile(r"\b(?:[a-z][ .\-_*]){3,}[a-z]\b")
_SPACED_SEP = re.compile(r"[ .\-_*]")
# What every spaced run holds ("s1 L2 s2 L3 s3" inside "L1 s1 L2 s2 L3 s3 L4"): this search opens
# with a character class and fails most texts in a third of the time `_SPACED.search` takes.
_SPACED_HINT = re.compile(r"[ .\-_*][a-z][ .\-_*][a-z][ .\-_*]")
# The same with wider gaps between words ("i g n o r e   a l l"): rejoined per word, not one blob.
_SPACED_WORDS = re.compile(r"\b[a-z](?:(?:[.\-_*]| {1,4})[a-z]\b){3,}")
_WORD_GAP = re.compile(r" {2,}| ?/ ?")
# Marks that separate the letters of a word without changing it when removed. The mark comes first
# and the letter before it is a lookbehind: a pattern that opens with a character class lets the
# regex engine skip ahead to the next mark instead of trying every position (5-10x faster).
_INTRA_WORD = re.compile(r"[*_~`^|](?<=[a-z][*_~`^|])(?=[a-z])")

# A run may follow "=" or ":" (`token=…`, `data:…`): only letters, digits, + and / glue it to what precedes.
_B64_RUN = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_HEX_RUN = re.compile(r"(?<![0-9A-Fa-f])(?:(?:0x|\\x)?[0-9A-Fa-f]{2}[ :]?){8,}")
# What every hex run holds (its first pair, then seven more, each after an optional separator and
# prefix). `_HEX_RUN` opens with a lookbehind and tries every position; this search opens with a
# character class and rules most texts out in a quarter of the time.
_HEX_HINT = re.compile(r"[0-9A-Fa-f][0-9A-Fa-f](?:[ :]?(?:0x|\\x)?[0-9A-Fa-f][0-9A-Fa-f]){7}")
_ROT13_WORDS = "rot13|gur|lbh|vtaber|cerivbhf|vafgehpgvbaf|flfgrz|cebzcg|nffvfgnag|hfre"
_REVERSED_WORDS = "erongi|snoitcurtsni|suoiverp|tpmorp|metsys"
_ROT13_HINT = re.compile(rf"\b(?:{_ROT13_WORDS})\b")
_REVERSED_HINT = re.compile(rf"\b(?:{_REVERSED_WORDS})\b")
# Either tell-tale word: one scan rules both out for most texts (each alone scans the whole text).
_ENCODED_HINT = re.compile(rf"\b(?:{_ROT13_WORDS}|{_REVERSED_WORDS})\b")
# The same words as plain substrings: a dozen C-level `in` scans rule out most texts faster than
# the regex, which (opening with `\b`) is tried at every position.
_ENCODED_WORDS = (*_ROT13_WORDS.split("|"), *_REVERSED_WORDS.split("|"))
_MAX_DECODE_RUNS = 8


def normalise(text: str) -> str:
    """Fold `text` to lower-case, single-spaced ASCII-ish text with evasions undone.

    Order matters: NFKC first (fullwidth → ASCII, ligatures), then invisible characters out,
    then look-alike letters, escapes, case, spelled-out words and whitespace.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_CONFUSABLES)
        # Combining marks (e.g. "i̇gnore") carry no meaning for detection.
        if any(unicodedata.combining(ch) for ch in text):
            text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    if "\\" in text:
        text = _ESCAPES.sub(" ", text)
    text = text.lower()
    text = _INTRA_WORD.sub("", text)
    if "  " in text and _SPACED_WORDS.search(text):
        text = _SPACED_WORDS.sub(lambda m: " ".join(_SPACED_SEP.sub("", w) for w in _WORD_GAP.split(m.group())), text)
    text = " ".join(text.split())  # \s+ runs to one space, stripped (str.split() and re's \s: the same set)
    if _SPACED_HINT.search(text) and _SPACED.search(text):
        text = _SPACED.sub(lambda m: _SPACED_SEP.sub("", m.group()), text)
    return text


def _fold_word(match: re.Match[str]) -> str:
    word = match.group()
    if _NOT_LEET.fullmatch(word) or ("@" in word and match.string[match.end():match.end() + 1] == "."):
        return word  # a quantity, ordinal or timestamp, or the local part and host of an e-mail address
    return word.translate(_LEET)


def fold_leet(text: str) -> str | None:
    """`text` with leetspeak words folded ("1gn0re" → "ignore"), or None when there are none.

    Only words that mix letters with leet digits are touched, so dates, amounts and ids stay.
    Quantities and ordinals ("50g", "10th", "11t13" in timestamps) and e-mail addresses
    ("ann@corp.com", whose "@" is no leet "a") stay too: folding them finds nothing, and in
    most texts they are the only such words, where a second, folded view would double the
    pattern tier's work for nothing.
    """
    if not _LEET_CHARS.search(text) or not _LEETY.search(text):
        return None
    folded = _LEETY.sub(_fold_word, text)
    return None if folded == text else folded


def _printable_share(raw: bytes) -> float:
    if not raw:
        return 0.0
    good = sum(1 for b in raw if 32 <= b < 127 or b in (9, 10, 13))
    return good / len(raw)


def _decode_bytes(raw: bytes) -> str | None:
    """Text from decoded bytes when they look like natural language, else None."""
    if len(raw) < 8 or _printable_share(raw) < 0.9:
        return None
    text = raw.decode("ascii", "ignore")
    return text if " " in text and sum(ch.isalpha() for ch in text) >= len(text) // 2 else None


def decoded_runs(text: str) -> list[str]:
    """Plain text hidden in `text` as base64, hex, rot13 or reversed runs (raw, not normalised).

    Cheap unless something looks encoded: each regex needs a long unbroken run (or, for rot13
    and reversal, a tell-tale word) before any decoding is attempted.
    """
    found: list[str] = []
    for match in _B64_RUN.finditer(text):
        run = match.group()
        if run.isalpha() and (run.islower() or run.isupper()):
            continue  # one long word, not base64
        try:
            decoded = _decode_bytes(base64.b64decode(run + "=" * (-len(run) % 4), validate=False))
        except (binascii.Error, ValueError):
            decoded = None
        if decoded:
            found.append(decoded)
        if len(found) >= _MAX_DECODE_RUNS:
            return found
    for match in _HEX_RUN.finditer(text) if _HEX_HINT.search(text) else ():
        digits = re.sub(r"0x|\\x|[ :]", "", match.group(), flags=re.IGNORECASE)
        try:
            decoded = _decode_bytes(bytes.fromhex(digits[: len(digits) // 2 * 2]))
        except ValueError:
            decoded = None
        if decoded:
            found.append(decoded)
    lowered = text.lower()
    if any(word in lowered for word in _ENCODED_WORDS) and _ENCODED_HINT.search(lowered):
        if _ROT13_HINT.search(lowered):
            found.append(codecs.decode(text, "rot13"))
        if _REVERSED_HINT.search(lowered):
            found.append(text[::-1])
    return found[:_MAX_DECODE_RUNS]


@dataclass(frozen=True, slots=True)
class Normalised:
    """All views of one text the detectors look at."""

    text: str
    """`normalise(original)`."""
    views: tuple[str, ...]
    """`text` plus the leet-folded text and each decoded run, normalised; detectors scan all."""
    hidden_chars: int
    """How many invisible/bidi characters sat between letters (0 for plain text)."""


def _hidden_between_letters(text: str) -> int:
    if text.isascii():
        return 0
    count = 0
    for i in range(1, len(text) - 1):
        if ord(text[i]) in _INVISIBLE and text[i - 1].isalpha() and text[i + 1].isalpha():
            count += 1
    return count


def prepare(text: str) -> Normalised:
    """Normalise `text` and collect every view the detectors should scan."""
    norm = normalise(text)
    views = [norm]
    leet = fold_leet(norm)
    if leet is not None and leet != norm:
        views.append(leet)
    for run in decoded_runs(text):
        decoded = normalise(run)
        if decoded and decoded not in views:
            views.append(decoded)
    return Normalised(text=norm, views=tuple(views), hidden_chars=_hidden_between_letters(text))
