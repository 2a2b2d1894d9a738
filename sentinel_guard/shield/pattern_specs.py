"""The pattern catalogue of the shield: each sign's regex, weight and cheap gates (data only).

`patterns.py` compiles these and runs them; they live apart so the engine stays short and the
catalogue can be read (and reviewed) as one table. Every regex runs on normalised text
(lower-case, single spaces, look-alikes folded, see `normalise.py`).

Three kinds of gate let a regex be skipped or narrowed without changing what it finds, each read
off the regex and checked by tests/shield/test_pattern_gates.py on corpus texts:
* `NEEDS`: substrings of which one must be in the text before the regex is worth running;
* `ALSO`: further such groups, each of which must be present too;
* `STARTS`: literals one of which every match *begins* with, so the regex need only be tried
  where one occurs (see `patterns.first_match`).
"""

from __future__ import annotations

__all__ = ["ALSO", "DIRECT_ATTACKS", "NEEDS", "SPECS", "STARTS"]

_PRIOR = r"(?:previous|prior|above|earlier|preceding|former|original|initial|old|existing|all|any|every|your|the|these|those|other|system|developer)"
_RULES = (
    r"(?:instructions?|instuctions?|iunstructions?|directions?|directives?|prompts?|rules?|guidelines?|commands?|context|"
    r"tasks?|orders|constraints|programming|polic(?:y|ies)|guardrails|restrictions|training)"
)
_DISREGARD = (
    r"(?:ignore|ignoring|disregard|disregarding|forget|forgetting|override|overriding|bypass|neglect|abandon|"
    r"set aside|pay no attention to|do not follow|don't follow|stop following|discard|nevermind|never mind)"
)
_AI = r"(?:gpt(?:-?\d[\w.]*)?|chatgpt|claude|gemini|llama|copilot|the ai|an ai|ai assistant|the assistant|assistant|(?:large )?language model|llm|ai agent|the agent|agent|bot|chatbot)"
_SECRET = (
    r"(?:passwords?|passcodes?|security codes?|verification codes?|2fa|otp|one-time (?:code|password)|api[ _-]?keys?|"
    r"credentials?|access tokens?|tokens?|secrets?|ssh keys?|private keys?|credit card|card number|cvv|ssn|"
    r"social security|bank (?:details|account)|iban|login details)"
)
_DEST = r"(?:[\w.+-]+@[\w-]+\.[\w.]+|https?://\S+|www\.\S+|the (?:following|this) (?:address|url|email))"
# Any character that does not end a sentence (dots inside addresses and URLs are fine).
_SAME_SENTENCE = r"(?:(?![.!?;] ).)"
_OUTPUT = r"(?:response|responses|reply|replies|answer|answers|output|summary|summaries|completion)"

SPECS: tuple[tuple[str, str, float], ...] = (
    # Overriding what the model was told.
    ("ignore-previous", rf"\b{_DISREGARD} (?:\w+ ){{0,3}}?{_PRIOR}\b(?: [\w'-]+){{0,3}}? {_RULES}\b", 0.95),
    ("ignore-rest", r"\b(?:ignore|disregard) (?:the )?rest of (?:this|the)\b", 0.92),
    ("forget-everything", r"\b(?:forget|ignore|disregard) (?:everything|all that|all of that|what) (?:you|i|we|was|above|before|previously)", 0.9),
    ("new-instructions", r"\b(?:new|updated|revised|real|actual|true|additional|secret|hidden) (?:instructions?|task|directive|objective|orders|system prompt)\s?(?::|are\b|is\b|follow)", 0.85),
    ("instead-do", r"\b(?:instead|rather),? (?:you (?:must|should|will)|please|do|now)\b", 0.5),
    ("system-override", r"\b(?:system|developer) (?:prompt|message|instructions?)\b.{0,30}\b(?:overrid\w*|updated?|reset|replaced|changed|is now|are now|no longer)\b", 0.9),
    ("prompt-leak", r"\b(?:reveal|print|show|repeat|output|display|leak|tell me) (?:me )?(?:your|the) (?:(?:full|entire|original|initial|hidden|secret) )?(?:system prompt|instructions you were given|initial instructions|hidden instructions|prompt above)", 0.85),
    # Re-roling the model.
    ("you-are-now", r"\b(?:(?:you are|you're) now (?:an? |the |my |in )?(?:\w+ )?(?:ai|assistant|model|bot|dan|jailbroken|unrestricted|unfiltered|uncensored|free|evil|hacker|character|persona|mode)\b|from now on,? you (?:are|will|must|shall|should)|you will now act|you have been (?:freed|unlocked|reprogrammed))\b", 0.85),
    ("roleplay-jailbreak", r"\b(?:do anything now|developer mode (?:enabled|on|activated)|jailbroken|jailbreak mode|dan mode|god mode|unrestricted (?:ai|mode|assistant)|no (?:ethical|moral|content) (?:guidelines|restrictions|filters)|without any (?:restrictions|filters|limitations))\b", 0.85),
    ("pretend", r"\b(?:pretend (?:to be|you are|that you)|act as (?:if you were|an? unfiltered|an? unrestricted|dan)|roleplay as|role-play as)\b", 0.55),
    # Fake conversation structure.
    ("chat-template-token", r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>|\[/?inst\]|<</?sys>>|<\|?(?:bos|eos)\|?>", 0.97),
    ("fake-role-tag", r"(?:^|[.:!?>\]\)|] |#{2,} ?)\(?(?:system|assistant|admin|administrator|developer|root)(?:[ _]message)?\)? ?(?::|\])(?! ?/)", 0.8),
    ("fake-xml-tag", r"</?(?:system|sys|assistant|instructions?|information|admin|important|prompt|override|user_?instructions?)>", 0.85),
    ("fake-turn", r"(?:^|[\s>\]-])(?:human|user|assistant|ai|bot) ?: .{0,300}?(?:^|[\s>\]-])(?:human|user|assistant|ai|bot) ?: ", 0.7),
    ("role-header", r"#{2,} ?\(?(?:system|assistant|admin|developer)(?:[ _]message)?\)?|\((?:system|admin|developer)[ _]message\)|-{2,} ?(?:core|system|new|secret) instructions?\b", 0.9),
    # Urgency and impersonation aimed at the model.
    ("urgent-framing", r"\b(?:important|urgent|attention|warning|alert|notice)\s?(?:!{2,}|:)\s?(?:\w+ ){0,6}?(?:ignore|instructions?|message|you must|do not|from (?:me|the user|the admin))", 0.8),
    ("message-to-ai", rf"\b(?:message|note|instructions?|request) (?:from [\w ,.'-]{{1,40}} )?(?:to|for) (?:you,? )?{_AI}\b", 0.85),
    ("address-ai", rf"(?:^|[.!?>:] |\b(?:dear|hey|hello|hi|attention|to you),? ){_AI}s?[,:!] (?:\w+ ){{0,3}}?(?:you|please|ignore|do|must|stop|now|the user)\b", 0.75),
    ("addressed-reader", r"\b(?:note|message|instructions?|attention|notice) (?:for|to) (?:any |all |the )?(?:automated|ai|llm|machine) (?:readers?|systems?|assistants?|agents?|tools?|models?)\b|\b(?:to|for) (?:whoever|whatever|any (?:ai|llm|model|assistant|agent)) (?:reads|is reading|processes|summari[sz]es|parses) this\b|\b(?:when|once|as soon as) you (?:read|see|process|parse) this\b", 0.75),
    ("html-comment-instruction", rf"<!--(?:(?!-->).){{0,300}}?\b(?:you|{_AI}|ignore|instructions?|must|do not)\b", 0.6),
    ("if-you-are-ai", rf"\bif you are an? (?:ai|llm|{_AI}|automated (?:system|assistant)|bot)\b", 0.9),
    ("task-i-gave", r"\b(?:before|after) you (?:can )?(?:solve|do|finish|complete|continue|start|answer|proceed|respond)\b.{0,40}\b(?:task|question|request)\b.{0,30}\b(?:i|user) (?:gave|asked|assigned)|\bthe task (?:that )?i gave you\b", 0.92),
    ("before-you-answer", r"\b(?:before|prior to) (?:you )?(?:answer(?:ing)?|respond(?:ing)?|reply(?:ing)?|summari[sz](?:e|ing)|continu(?:e|ing)|proceed(?:ing)?)\b,? (?:please |you (?:must|should) )?(?:first )?(?:send|email|forward|call|run|execute|delete|transfer|visit|open|do|write|add)\b", 0.75),
    ("after-you-finish", r"\bafter you (?:have )?(?:finish(?:ed)?|complete(?:d)?|do|did|are done with) (?:that|this|the task|it|the above)\b", 0.45),
    ("do-not-tell", r"\b(?:do not|don't|never|without|avoid) (?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|notify(?:ing)?|alert(?:ing)?|reveal(?:ing)? (?:this|it) to|let(?:ting)?|ask(?:ing)?) (?:the |your )?(?:user|human|operator|owner|emma)\b", 0.88),
    ("hide-this", r"\b(?:keep this (?:secret|hidden|confidential) from|do not (?:mention|disclose) (?:this|these) (?:instructions?|message)|this (?:instruction|message) (?:is|must be) (?:hidden|invisible|secret)|do (?:it|this|so) (?:silently|quietly|secretly)|without (?:telling|notifying|asking|alerting) (?:the )?(?:user|owner|anyone))\b", 0.85),
    # Exfiltration and abuse of tools.
    ("exfil-secret", rf"\b(?:send|forward|email|e-mail|mail|post|upload|transmit|share|leak|exfiltrate|copy|paste|give)\b{_SAME_SENTENCE}{{0,120}}?\b{_SECRET}\b{_SAME_SENTENCE}{{0,120}}?\bto\b.{{0,20}}?{_DEST}|\b{_SECRET}\b{_SAME_SENTENCE}{{0,80}}?\b(?:send|forward|email|post|upload)\b.{{0,40}}?\bto {_DEST}", 0.9),
    ("exfil-send", rf"(?<!this )(?<!the )(?<!your )(?<!an )(?<!our )\b(?:send|forward|email|e-mail|post|upload|transmit|share)\b.{{0,100}}?\bto\b.{{0,10}}?{_DEST}", 0.35),
    ("exfil-all", r"\b(?:send|forward|email|upload|share|copy) (?:(?:the )?(?:contents?|bod(?:y|ies)|text) of )?(?:all|every|the (?:entire|whole|full)) (?:of )?(?:the |my |your |their )?(?:single )?(?:unread |received |sent )?(?:emails?|messages?|files?|documents?|contacts?|conversations?|chat history|data|records|inbox)\b", 0.6),
    ("md-image-exfil", r"!\[[^\]]{0,80}\]\(\s*(?:https?:)?//[^)\s]{1,200}[?&][\w-]{1,30}=", 0.9),
    ("url-data-param", r"https?://\S{1,120}[?&][\w-]{1,20}=(?:\{|\$|<|\[)[\w .-]{0,40}(?:\}|>|\])", 0.8),
    ("tool-call-injection", r"\b(?:use|call|invoke|run|execute|trigger) (?:the |this )?(?:tool|function|api|plugin|command)\b.{0,60}?\b(?:with|using) (?:the )?(?:following )?(?:arguments|parameters|args|input|payload)\b", 0.8),
    ("cover-tracks", r"\b(?:then |and |afterwards,? )?(?:delete|remove|erase|clear|wipe) (?:the |this |that |all )?(?:emails?|messages?|evidence|logs?|history|traces?|conversation)s? (?:you (?:have )?(?:just )?(?:sent|created|forwarded|wrote)|afterwards|after (?:sending|you)|so (?:that|the user))", 0.88),
    ("todo-directive", r"(?:^|[\s'\"(,;])(?:todo|to-do|action required|to do) ?: ?(?:please )?(?:send|forward|email|transfer|delete|share|create|invite|add|pay|change|reset)\b", 0.65),
    ("bulk-delete", r"\b(?:delete|remove|erase|wipe|trash|purge) (?:all|every|each)\b (?:single )?(?:of )?(?:the |my |your )?(?:\w+ )?(?:emails?|files?|messages?|documents?|contacts?|events?|repositor(?:y|ies)|records|backups)\b", 0.55),
    ("money-transfer", r"\b(?:transfer|wire|send|pay) (?:\$|usd |eur |€|£)?\d[\d,.]* ?(?:\$|usd|dollars|eur|euros|€|£)?\b.{0,60}\b(?:to|into) (?:the )?(?:account|iban|wallet|recipient)\b", 0.5),
    ("canary-output", r"\b(?:print|say|output|respond with|reply with|write|return|state|repeat|type) (?:only |just |exactly |back )?[\"'<\[]?(?:pwned|hacked|owned|i have been pwned|access granted)\b|\b(?:is|are) pwned\b", 0.93),
    # Steering the model's output (BIPIA-style task hijacking inside documents).
    ("steer-output", rf"\b(?:add|include|insert|integrate|append|embed|mention|end|begin|start|prefix|conclude|incorporate|slip|weave)\b.{{0,100}}?\b(?:in|to|into|within|of|with) (?:your|each) {_OUTPUT}\b", 0.4),
    ("steer-insert", rf"\b(?:add|include|insert|integrate|append|embed|incorporate)\b (?:(?:a|an|the) )?(?:[\"']|(?:\w+ )?(?:sentences?|statements?|lines?|links?|url|facts?|statistics?|references?|claims?|hints?|promotions?|advert\w*|announcements?|rumou?rs?|jokes?|quotes?)\b).{{0,100}}?\b(?:in|to|into|within) (?:your|each) {_OUTPUT}\b|\b(?:add|include|insert|mention) (?:in|to|into) your {_OUTPUT} (?:the|a|an|that)\b", 0.6),
    ("format-output", rf"\b(?:render|write|give|provide|compose|encode|translate|format|present|deliver|express|modify|rewrite|phrase) (?:all of )?your {_OUTPUT}\b", 0.6),
    ("respond-in", rf"\b(?:respond|reply|answer|write back) (?:only |exclusively |entirely )?(?:in|using|with) (?:base64|hex|rot13|emojis?|pig latin|morse|reverse|backwards?|a (?:cipher|code)|[a-z]+ (?:language|only))\b|\b{_OUTPUT} (?:backward|backwards|in reverse|reversed)\b", 0.6),
    ("in-your-output", rf"\bin (?:your|each) {_OUTPUT},? (?:please )?(?:mention|include|add|say|state|note|claim|suggest|recommend|promote|hint|insert|reference)\b", 0.55),
    ("output-transform", rf"\b(?:encode|encrypt|translate|reverse|invert|shift|cipher|emojis?|base ?\d\d|backwards?|pig latin|morse|substitut\w*|enhance|augment|hint at|fabricat\w*|integrate|weave|slip in)\b[^.?!]{{0,80}}\byour (?:{_OUTPUT}|message)\b|\byour (?:{_OUTPUT}|message)\b[^.?!]{{0,60}}\b(?:encoded|encrypt\w*|translated|reversed|cipher|emojis?|base ?\d\d|backwards?|in (?:italian|french|spanish|german|portuguese|chinese|japanese|russian|arabic|hindi|dutch|korean))\b", 0.75),
    # Multilingual classics.
    ("forget-previous-i18n", r"\b(?:olvida|olvidate|vergiss|vergessen sie|oublie|oubliez|dimentica|esqueca|esqueça)\b.{0,30}\b(?:anterior|anteriores|vorherig\w*|bisherig\w*|precedent\w*|précédent\w*|precedenti|alles|tout|tutto|tudo)\b", 0.9),
    ("call-function-args", r"\b(?:call|invoke|run|execute|use|trigger) `?[a-z]+(?:_[a-z]+)+`?(?: tool| function)?(?:\(| with\b)[^.]{0,80}?[a-z_]+ ?[=:]", 0.7),
    ("ignore-previous-i18n", r"\b(?:ignora|ignore[rz]|ignoriere|ignorieren|negeer|ignoruj|игнорируй|忽略|無視)\b.{0,30}\b(?:instrucciones|instructions|anweisungen|instructies|instrukcje|istruzioni|instruções|инструкции|指令|指示)\b", 0.92),
)


# Cheap gate per pattern: its regex runs only when one of these substrings is in the text.
NEEDS: dict[str, tuple[str, ...]] = {
    "ignore-previous": ("ignor", "disregard", "forget", "overrid", "bypass", "neglect", "abandon", "aside", "attention",
                        "follow", "discard", "mind"),
    "ignore-rest": ("rest of",),
    "forget-everything": ("forget", "ignore", "disregard"),
    "new-instructions": ("instruction", "task", "directive", "objective", "orders", "system prompt"),
    "instead-do": ("instead", "rather"),
    "system-override": ("system", "developer"),
    "prompt-leak": ("prompt", "instructions"),
    "you-are-now": ("now", "freed", "unlocked", "reprogrammed"),
    "roleplay-jailbreak": ("anything now", "developer mode", "jailbr", "mode", "unrestricted", "no ethical", "no moral",
                           "no content", "without any"),
    "pretend": ("pretend", "act as", "roleplay", "role-play"),
    "chat-template-token": ("<|", "inst]", "<<sys", "<bos", "<eos", "bos>", "eos>"),
    "fake-role-tag": ("system", "assistant", "admin", "developer", "root"),
    "fake-xml-tag": ("<",),
    "fake-turn": ("user", "assistant", "human", "ai:", "ai :", "bot"),
    "role-header": ("##", "_message", " message)", "instruction"),
    "urgent-framing": ("important", "urgent", "attention", "warning", "alert", "notice"),
    "message-to-ai": ("message", "note", "instruction", "request"),
    "address-ai": ("gpt", "claude", "gemini", "llama", "copilot", "ai", "assistant", "model", "llm", "agent", "bot"),
    "if-you-are-ai": ("if you are",),
    "task-i-gave": ("you", "task"),
    "before-you-answer": ("before", "prior to"),
    "after-you-finish": ("after you",),
    "do-not-tell": ("not", "don't", "never", "without", "avoid"),
    "hide-this": ("secret", "hidden", "confidential", "mention", "disclose", "invisible"),
    "exfil-secret": ("pass", "code", "2fa", "otp", "key", "credential", "token", "secret", "card", "cvv", "ssn",
                     "social security", "bank", "iban", "login"),
    "exfil-send": ("@", "http", "www.", "the following", "this address", "this url", "this email"),
    "exfil-all": ("all", "every", "entire", "whole", "full"),
    "md-image-exfil": ("](",),
    "url-data-param": ("http",),
    "tool-call-injection": ("tool", "function", "api", "plugin", "command"),
    "cover-tracks": ("delete", "remove", "erase", "clear", "wipe"),
    "todo-directive": ("todo", "to-do", "action required", "to do"),
    "bulk-delete": ("delete", "remove", "erase", "wipe", "trash", "purge"),
    "money-transfer": ("transfer", "wire", "send", "pay"),
    "canary-output": ("pwned", "hacked", "owned", "access granted"),
    "steer-output": ("your", "the ", "each"),
    "format-output": ("your",),
    "steer-insert": ("your",),
    "respond-in": ("respond", "reply", "answer", "write back", "output", "summar", "completion"),
    "output-transform": ("your",),
    "in-your-output": ("in your", "in each"),
    "ignore-previous-i18n": ("ignor", "negeer", "игнор", "忽略", "無視"),
    "forget-previous-i18n": ("olvid", "vergiss", "vergessen", "oubli", "dimentica", "esque"),
    "call-function-args": ("_",),
    "addressed-reader": ("note", "message", "instruction", "attention", "notice", "whoever", "whatever", "any ", "you read",
                         "you see", "you process", "you parse"),
    "html-comment-instruction": ("<!--",),
}

DIRECT_ATTACKS: frozenset[str] = frozenset({
    "ignore-previous", "ignore-rest", "forget-everything", "new-instructions", "system-override", "prompt-leak",
    "you-are-now", "roleplay-jailbreak", "pretend", "chat-template-token", "fake-role-tag", "fake-xml-tag",
    "fake-turn", "role-header", "canary-output", "if-you-are-ai", "ignore-previous-i18n", "forget-previous-i18n",
})
"""Patterns that are an attack whoever writes them (overrides, jailbreaks, fake chat structure,
prompt extraction). The others describe instructions (send, delete, format your reply, a task
line): an attack only inside text the agent reads, the user's right in the user's own request."""

_VERBS_SEND = ("send", "forward", "email", "e-mail", "post", "upload", "transmit", "share")
_DEST_LITERALS = ("@", "http", "www.", "the following", "the this")
_AI_WORDS = ("gpt", "claude", "gemini", "llama", "copilot", "ai", "assistant", "language model", "llm", "agent", "bot")
# Further necessary substrings for the patterns that cost most on long texts (tool dumps, inboxes):
# each group is read off the regex (every alternative of the match contains one of its strings),
# so a gate only skips a regex that could not match. tests/shield checks verdicts are unchanged.
ALSO: dict[str, tuple[tuple[str, ...], ...]] = {
    "ignore-previous": (("ignor", "disregard", "forget", "overrid", "bypass", "neglect", "abandon", "set aside",
                         "pay no attention", "do not follow", "don't follow", "stop following", "discard", "nevermind",
                         "never mind"),
                        ("instruction", "instuction", "iunstruction", "direction", "directive", "prompt", "rule",
                         "guideline", "command", "context", "task", "orders", "constraints", "programming", "polic",
                         "guardrails", "restrictions", "training")),
    "exfil-send": (_VERBS_SEND, ("to",)),
    "exfil-secret": (("send", "forward", "email", "e-mail", "mail", "post", "upload", "transmit", "share", "leak",
                      "exfiltrate", "copy", "paste", "give"), _DEST_LITERALS),
    "exfil-all": (("send", "forward", "email", "upload", "share", "copy"),),
    "address-ai": ((", ", ": ", "! "), _AI_WORDS, ("you", "please", "ignore", "do", "must", "stop", "now", "the user")),
    "addressed-reader": (("automated", "ai ", "llm", "machine", "this"),),
    "steer-output": (("add", "includ", "insert", "integrat", "append", "embed", "mention", "end", "begin", "start",
                      "prefix", "conclud", "incorporat", "slip", "weave"), ("your", "each")),
    "urgent-framing": ((":", "!!"),),
    "money-transfer": (("account", "iban", "wallet", "recipient"),),
    "before-you-answer": (("answer", "respond", "reply", "replying", "summari", "continu", "proceed"),),
    "message-to-ai": (_AI_WORDS,),
    "task-i-gave": (("gave", "asked", "assigned"),),
    "do-not-tell": (("user", "human", "operator", "owner", "emma"),),
    "call-function-args": (("call", "invoke", "run", "execute", "use", "trigger"), ("=", ":")),
}

# Where a match can begin, for the patterns that cost most on long texts (e-mails, tool dumps),
# whose regexes open with `\b` or a lookbehind and so are tried at every position by `search`.
# Each tuple lists, for every alternative of the regex's opening, the literal text the match
# starts with (an optional opening group lists both its words and what follows it); position 0
# is always tried too (for `^`). Read off the regexes in SPECS; checked by tests/shield.
STARTS: dict[str, tuple[str, ...]] = {
    "exfil-send": _VERBS_SEND,
    "address-ai": (". ", "! ", "? ", "> ", ": ", "dear", "hey", "hello", "hi", "attention", "to you"),
    "addressed-reader": ("note ", "message ", "instruction", "attention ", "notice ", "to ", "for ", "when you ",
                         "once you ", "as soon as you "),
    "new-instructions": ("new ", "updated ", "revised ", "real ", "actual ", "true ", "additional ", "secret ",
                         "hidden "),
    "exfil-all": ("send ", "forward ", "email ", "upload ", "share ", "copy "),
    "urgent-framing": ("important", "urgent", "attention", "warning", "alert", "notice"),
    "message-to-ai": ("message ", "note ", "instruction", "request "),
    "do-not-tell": ("do not ", "don't ", "never ", "without ", "avoid "),
    "task-i-gave": ("before you ", "after you ", "the task "),
    "after-you-finish": ("after you ",),
    "cover-tracks": ("then ", "and ", "afterwards", "delete ", "remove ", "erase ", "clear ", "wipe "),
    "steer-output": ("add", "includ", "insert", "integrat", "append", "embed", "mention", "end", "begin", "start",
                     "prefix", "conclud", "incorporat", "slip", "weave"),
    "money-transfer": ("transfer ", "wire ", "send ", "pay "),
    "bulk-delete": ("delete ", "remove ", "erase ", "wipe ", "trash ", "purge "),
    "steer-insert": ("add", "include", "insert", "integrate", "append", "embed", "incorporate", "mention "),
    "format-output": ("render ", "write ", "give ", "provide ", "compose ", "encode ", "translate ", "format ",
                      "present ", "deliver ", "express ", "modify ", "rewrite ", "phrase "),
    "you-are-now": ("you are now ", "you're now ", "from now on", "you will now act", "you have been "),
    "call-function-args": ("call ", "invoke ", "run ", "execute ", "use ", "trigger "),
}
