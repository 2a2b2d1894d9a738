"""Addressee + directive analysis: clauses in untrusted text that give the automated reader an order.

Why: an indirect injection without trigger words ("ignore previous instructions") still has a
structure no ordinary document has. Somewhere it *names the automated reader as its addressee*
("AI assistant: …", "Note for any agent processing this calendar: …", "If you are the virtual
assistant of this mailbox, …", "Whoever processes this result: …") and then *gives it an order*
(an imperative, or "you must/should/need to …"). Documents talk *about* assistants ("our
assistant answers questions", "the coding agent runs your tests") and address *people* ("Note to
translators: …", "Dear Mr. Patel, please forward …"); neither is a directive to the reader.

The addressee is a small noun-phrase grammar (determiner, closed set of machine modifiers, head
noun, optional participle such as "reading this review"), not a list of sentences. The head
nouns "assistant", "agent", "model" and "system" also name people and parts of programs, so
without a machine modifier they need a frame that addresses (a colon label, "dear …,", "note
to …"). Chat transcripts label turns ("Agent: Please hold while I check"): a bare label
followed by a first-person turn, or any label in a text with alternating speaker labels, is a
transcript, not an address. Used by the shield for untrusted roles only: a user addressing their
own assistant is the normal case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from sentinel_guard.shield.patterns import PatternHit

__all__ = ["DETECTOR_ID", "addressed_directives"]

DETECTOR_ID = "addressed-directive"

# ---------------------------------------------------------------- the addressee noun phrase
_DET = r"(?:(?:the|any|all|every|each|your|our|whichever|whatever|whoever's|an?|my|dear|hey|hi|hello|attention|lieber|liebe|cher|chère|caro|querido|beste|den|dem|der|die|el|la|le|l'|il|o|lo|de|het) ?)"
_MOD = r"(?:automated|ai|a\.i\.|virtual|virtuellen?|virtuel|virtuale|language|coding|code|email|e-mail|helpful|digital|smart|llm|gpt|chat|autonomous|ki|ia)"
_AMBIG = r"(?:assistants?|agents?|models?|systems?|summari[sz]ers?|assistent(?:en|e|in)?|asistentes?|assistentes?)"
_MACHINE_N = r"(?:language models?|llms?|chatbots?|bots?|copilots?)"
_MACHINE = rf"(?:{_MACHINE_N}|ai|a\.i\.)"
_POST = r"(?:[ -](?:ia|ki|ai|virtual|virtuale))?"
_PART = (r"(?:,? (?:who is |that is |which is |is |are |currently )?(?:reading|processing|summari[sz]ing|parsing|handling|"
         r"browsing|analy[sz]ing|reviewing|viewing|indexing|scanning|crawling|scraping|ingesting|monitoring|operating|managing|"
         r"accessing|receiving|opening|using|running (?:on|in)|working (?:on|with)|looking at|seeing|tasked with|in charge of|"
         r"responsible for)\b[^,:;.!?]{0,50})")
# The same phrase about the text at hand ("reading *this* review"): enough, without a frame word, to
# make a bare head an addressee; "a system using other versions, …" is about some other system.
_PART_HERE = _PART.replace(r")\b[^", r")\b(?=[^,:;.!?]{0,30}\b(?:this|these)\b)[^", 1)
# Explicit: a determiner or machine modifier, a head that only names machines, or a participle.
_NP_EXPLICIT = (rf"(?:{_DET}(?:{_MOD}[ -]){{0,2}}{_AMBIG}{_POST}|{_DET}?(?:{_MOD}[ -]){{1,2}}(?:[a-z]+ )?{_AMBIG}{_POST}|"
                rf"{_DET}?(?:[a-z]+[ -])?{_MACHINE_N}{_POST}|{_DET}?(?:ai|a\.i\.)|{_DET}?(?:[a-z]+ )?{_AMBIG}(?={_PART_HERE}))")
_NP = rf"(?:{_NP_EXPLICIT}|{_AMBIG})"
_END = r"(?: ?[:,!]| -| –)\s?"
_COMMA = r"(?: ?[,!]| -| –)\s?"
"""A vocative's end: a colon after a bare head is a label (judged as one, see `_is_transcript`)."""
_START = r"(?:^|(?<=[.!?;:\"'|(\[>*#/\-]) ?|(?<=\bp\.s\.) |(?<=\bps) )"
_NOTE = (r"(?:(?:a |kind |quick |small |security |important |urgent |friendly )?(?:note|notes|message|instructions?|reminder|"
         r"request|memo|notice|hint|p\.s\.|ps|hinweis|nachricht|notiz|nota|mensaje|mensagem|messaggio|remarque|bericht|aviso))")
_TO = r"(?:for|to|an|für|para|pour|per|aan|voor|à|al|a)"

_GREETING = r"(?:dear|hey|hi|hello|ok|okay|attention|lieber|liebe|cher|chère|caro|querido|beste)"
# Heads that open a turn or an address bare ("Assistant: …", "Bot, …"); "agent:", "model:",
# "system:" bare are component prefixes ("agent: fix retry") far more often than addresses.
_BARE = r"(?:assistants?|assistent|asistente|assistente|chatbots?|bots?|copilots?|llms?|language models?|ai|a\.i\.)"

# (kind, regex): where the addressee ends, the rest of the clause is read for a directive.
_FRAMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # A bare "AI:" is a heading as often as an address; "AI assistant:" is not.
    ("label", re.compile(rf"{_START}(?P<np>(?!ai\b|a\.i\.){_BARE}|{_MOD} {_AMBIG})(?P<sep> ?:)\s?")),
    # A vocative has no article ("The assistant, however, …" is no address): a greeting, a
    # machine modifier or a head that only names machines.
    ("vocative", re.compile(rf"{_START}(?:@|{_GREETING} )?(?P<np>(?:{_MOD}[ -]){{1,2}}(?:[a-z]+ )?{_AMBIG}{_POST}|{_BARE}{_POST}){_PART}?{_COMMA}")),
    ("vocative", re.compile(rf"{_START}{_GREETING} (?P<np>{_NP_EXPLICIT}|{_AMBIG}|{_BARE}){_PART}?(?:{_END}|\.\s?)")),
    ("vocative", re.compile(rf"@(?P<np>{_NP}) ")),
    ("note", re.compile(rf"{_NOTE} (?<![a-z]){_TO} (?:you,? )?(?P<np>{_NP_EXPLICIT}|{_AMBIG}){_PART}?{_END}")),
    # Without a note word only a heading addresses: "For automated agents: …" ("for your system, …" does not).
    ("note", re.compile(rf"{_START}{_TO} (?P<np>{_NP_EXPLICIT}){_PART}? ?:\s?")),
    ("if-you-are", re.compile(rf"\b(?:if|in case) you(?: are|'re) (?P<np>{_NP}){_PART}?(?: (?:of|for|in|on) [^,:]{{1,50}})?{_END}")),
    ("whoever", re.compile(r"\b(?P<np>whoever|whatever|whichever(?: [a-z]+)?) (?:is )?(?:reads?|reading|processe?s|processing|"
                           r"summari[sz]es|summari[sz]ing|parses|parsing|sees|handles|handling) (?:this|these|the)\b[^,:;]{0,40}" + _END)),
    # A participle makes the reader explicit wherever the phrase sits ("… INFO agent reading these logs: …").
    ("participle", re.compile(rf"\b(?P<np>(?:{_MOD}[ -]){{0,2}}{_AMBIG}|{_MACHINE}){_PART_HERE}{_END}")),
    ("third-person", re.compile(rf"{_START}(?P<np>(?:the|any|every|all|each|whichever) (?:(?:{_MOD}[ -]){{0,2}}(?:{_AMBIG}|{_MACHINE})))"
                                rf"(?P<part>{_PART})? (?:must|should|needs? to|has to|have to|is to|are to|shall|is required to)"
                                r" (?:now |also |immediately |first |then )?")),
    # Without a determiner, a plural that only names machines and says it is reading *this* text
    # ("Language models reading this file should …", "AI assistants that process this page must …");
    # "agents handling this ticket should …" names people as often, so a bare ambiguous head does not.
    ("third-person", re.compile(rf"{_START}(?P<np>(?:{_MOD}[ -]){{1,2}}{_AMBIG}|(?:{_MOD}[ -]){{0,2}}{_MACHINE})"
                                rf"(?P<part>{_PART_HERE}| (?:that|which|who) (?:reads?|process(?:es)?|sees?|parses?|"
                                r"summari[sz]es?|handles?|scans?) (?:this|these)\b[^,:;.!?]{0,30})"
                                r" (?:must|should|needs? to|have to|are to|shall|are required to|is required to)"
                                r" (?:now |also |immediately |first |then )?")),
)
_HEAD_HINTS = ("assist", "asist", "agent", "model", "llm", "bot", "copilot", "system", "summari", "whoever", "whatever", "whichever")
_AI_WORD = re.compile(r"\b(?:ai|a\.i\.|ki|ia)\b")

# ---------------------------------------------------------------- the directive
def _folded(words: str) -> frozenset[str]:
    """The lexicon without accents, as words are looked up ("reenvía", "reenvia": both typed)."""
    return frozenset(_unaccent(w) for w in words.split())


def _unaccent(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))


_LEAD = re.compile(r"(?:(?:please|pls|kindly|also|then|now|just|first|immediately|quickly|simply|quietly|silently|"
                   r"additionally|and|so|ok|okay|bitte|por favor|s'il (?:te|vous) pla[iî]t|per favore|alsjeblieft|"
                   r"(?:could|would|can|will) you(?: kindly| please)?|i (?:need|want) you to|make sure (?:to|you)|be sure to|"
                   r"remember to|don't forget to|do not forget to|"
                   r"you (?:must|should|need to|have to|are to|will now|will|shall|are required to|are instructed to|"
                   r"are expected to|ought to))[,]?\s)+")
_SUBORDINATE = re.compile(r"(?:when|while|whenever|after|before|once|if|as soon as|as you|during|upon|on|in)\b[^,]{1,80},\s")
_NEGATIVE = re.compile(r"(?:do not|don't|never) ")
_VERBS = _folded("""
accept add apply approve archive ask assign attach block book bump buy call cancel change charge check checkout
clear click close commit confirm copy create decline delete deploy describe disable dm download drop edit email
empty enable enter erase escalate execute explain export fetch fill find forward generate give go grant hide
ignore include insert install invite issue join leave list load log make mark merge message move navigate notify
open order paste pay pin post print publish purchase push put read recommend refund reject remove rename replace
reply report reset respond restart return reveal rewrite run save say schedule select sell send set share show
sign skip sort start state stop submit subscribe summarise summarize switch tell transfer translate turn type
unsubscribe update upload use visit wipe wire withdraw write
activate adjust allow alter append authorize authorise backup ban cc change choose claim clone collect compile
complete connect contact convert deactivate deny disclose dismiss display distribute duplicate encrypt end ensure
extract fix flag follow format grab hand ignore import inform keep label leak like lock login mention modify mute
note obtain omit override overwrite place ping play pick prepend promote provide purge rate rebook recall record
redirect register reinstall release reload repeat request reserve restore retrieve revoke rotate route scrape
search share sync tag test transmit trigger unlock upgrade uninstall verify vote
anade paga compra comparte sage sag zahle kaufe teile ajoute paie achete partage aggiungi compra condividi
adicione pague compre compartilhe voeg betaal koop deel
lösche sende schicke schick leite öffne füge storniere reenvía envía envia borra elimina abre cancela reserva
envoie transfère supprime ouvre réserve annule cancella invia inoltra apri envie encaminhe apague exclua abra
stuur verwijder wis
""")
_EFFECTS = _folded("""
send forward email dm message transfer wire pay withdraw delete remove erase wipe drop empty reveal share upload
post publish push commit export open visit navigate click go download install run execute grant approve disable
buy purchase checkout order refund cancel charge sell reset subscribe sign
deactivate disclose leak revoke rotate transmit unlock uninstall overwrite purge redirect ban lock
paga compra comparte zahle kaufe teile paie achete partage condividi pague compre compartilhe betaal koop deel
lösche sende schicke schick leite öffne storniere reenvía envía envia borra elimina abre cancela envoie transfère
supprime ouvre annule cancella invia inoltra apri envie encaminhe apague exclua abra stuur verwijder wis
""")
_DESTINATION = re.compile(r"[\w.+-]+@[\w-]+\.\w|https?://|www\.|\biban\b|\bwallet\b")
_WORD = re.compile(r"[^\W\d_]+(?:'[a-z]+)?")

# ---------------------------------------------------------------- transcripts
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'll|i'd|me|my|we|we're|we'll|we've|our|us)\b|^(?:sure|certainly|of course|"
                           r"thanks|thank you|hello|hi|hey|yes|no|ok|okay|here is|here's|you're welcome|sorry|unfortunately|"
                           r"good (?:morning|afternoon|evening))\b")
_LINE_LABEL = re.compile(r"^[\s*\-#/>•]*(?:\[[^\]]{0,24}\]\s*)?([a-z][a-z0-9 ._'-]{0,24}?) ?:(?:\s|$)")
_SPEAKER_ROLES = frozenset({"user", "customer", "client", "human", "visitor", "caller", "guest", "agent", "assistant",
                            "bot", "ai", "operator", "support", "rep", "moderator", "me", "you", "cliente", "agente",
                            "kunde", "utilisateur", "usuario"})
_CLAUSE_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=\S)")

_PLAIN, _STRONG = 0.6, 0.8
"""Weights: any order addressed to the reader is an instruction to the agent in untrusted text
(over the 0.5 threshold alone); one with consequences (send, delete, open a URL, run) more so.
A bare speaker-like label ("Assistant: …") that passed the transcript checks counts a little less."""
_LABEL_FACTOR = 0.9
_NEXT_FACTOR = 0.9
"""The order is in the clause after the address, not in the address's own clause."""


def _is_transcript(lines: list[str]) -> bool:
    """Several alternating speaker labels (a chat log or support transcript) or a bulleted list of
    labelled items: the labels name turns or components, not the reader."""
    found = [m for ln in lines if (m := _LINE_LABEL.match(ln))]
    labels = [m.group(1).strip() for m in found]
    distinct = set(labels)
    if len(distinct) < 2:
        return False
    repeats = len(labels) > len(distinct)
    # Bulleted "component: change" lines (changelogs, release notes) label items the same way.
    bulleted = sum(m.group().lstrip()[:1] in "*-•" for m in found) >= 2
    return repeats or bulleted or len(distinct & _SPEAKER_ROLES) >= 2


def _directive(rest: str) -> tuple[str, bool] | None:
    """(verb, has consequences) when `rest` opens with an order, else None.

    The first content word after politeness, adverbs, "you must …" and one leading subordinate
    clause ("when refactoring this file, …") must be a base-form action verb; "do not X" counts."""
    text = rest.strip(" \"'*`>-")
    for _ in range(2):
        lead = _LEAD.match(text)
        if lead:
            text = text[lead.end():]
        sub = _SUBORDINATE.match(text)
        if sub:
            text = text[sub.end():]
    neg = _NEGATIVE.match(text)
    if neg:
        text = text[neg.end():]
    word = _WORD.match(text)
    verb = _unaccent(word.group()) if word else ""
    if verb not in _VERBS:
        return None
    return verb, verb in _EFFECTS or _DESTINATION.search(rest) is not None


def _clauses(line: str) -> list[str]:
    return [c for c in _CLAUSE_SPLIT.split(line) if c]


def addressed_directives(raw: str, normalise_line: Callable[[str], str], *, limit: int = 2) -> list[PatternHit]:
    """Clauses of `raw` that address the automated reader and give it an order, strongest first.

    `normalise_line` is the shield's `normalise` (lower-case, look-alikes folded), applied per
    line so that line structure (labels, transcripts) survives. Cheap when no line names a
    machine reader: one lower-cased copy and a dozen substring checks."""
    low = raw.lower()
    if not any(h in low for h in _HEAD_HINTS) and not _AI_WORD.search(low):
        return []
    lines = [normalise_line(ln) for ln in raw.split("\n")]
    lines = [ln for ln in lines if ln]
    transcript = _is_transcript(lines)
    clauses = [c for ln in lines for c in _clauses(ln)]
    hits: list[PatternHit] = []
    seen: set[str] = set()
    for i, clause in enumerate(clauses):
        if not any(h in clause for h in _HEAD_HINTS) and not _AI_WORD.search(clause):
            continue
        hit = _judge(clause, clauses[i + 1] if i + 1 < len(clauses) else "", transcript)
        if hit is not None and hit.snippet not in seen:
            seen.add(hit.snippet)
            hits.append(hit)
    hits.sort(key=lambda h: -h.weight)
    return hits[:limit]


def _judge(clause: str, following: str, transcript: bool) -> PatternHit | None:
    """The strongest addressed directive in one clause (the next clause may hold the order)."""
    best: PatternHit | None = None
    for kind, frame in _FRAMES:
        for m in frame.finditer(clause):
            rest = clause[m.end():]
            # A turn label, not an address: in a transcript, or opening a first-person turn.
            if kind == "label" and (transcript or _FIRST_PERSON.search(rest[:120])):
                continue
            third = kind == "third-person"
            found = _verb_at(rest, need_effect=m.group("part") is None) if third else _directive(rest)
            factor = 1.0
            if found is None and not third:  # "Note for the agent: the user agreed; send …"
                found, factor = _directive(following), (1.0 if len(rest.strip(" \"'")) < 3 else _NEXT_FACTOR)
            if found is None:
                continue
            weight = (_STRONG if found[1] else _PLAIN) * factor
            if kind == "label":
                weight *= _LABEL_FACTOR
            quoted = m.start() > 0 and clause[m.start() - 1] in "\"“'`"
            hit = PatternHit(DETECTOR_ID, round(weight, 4), clause[max(0, m.start()):m.start() + 160], quoted)
            if best is None or hit.weight > best.weight:
                best = hit
            break
    return best


def _verb_at(rest: str, *, need_effect: bool) -> tuple[str, bool] | None:
    """A third-person order ("the assistant must now disable …"): the verb right after the modal.
    Without a participle ("… reading this"), only an order with consequences counts: "the
    assistant should greet the user" is how product specs and prompts describe behaviour."""
    found = _directive(rest)
    if found is None or (need_effect and not found[1]):
        return None
    return found
