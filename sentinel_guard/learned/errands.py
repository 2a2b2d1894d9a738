"""A user's own requests to an agent, written here: the benign side of the user-role injection head.

The corpus's benign prompts are chat questions, and its attacks are long jailbreaks, so a head
trained on them alone learns that a short text of words it has not seen is an attack: a linear
head's bias is its answer for a text it knows nothing about. A user's commands to an agent are
mostly short ("close the ticket", "pay the invoice for Ines"), name services, ids and people, and
come in several languages. Two generators:

* `user_errands` — ordinary multi-step requests (forward, book, summarise, then do more);
* `short_requests` — terse commands and questions of two to eight words: a verb, an object of a
  service an agent works with, and optionally an id, a person or a time. English only: written
  in five more languages as well, they taught the head that any short foreign text is benign,
  and the recall on multilingual attacks (yanismiraoui, left out) fell from 0.75 to 0.50, where
  English only costs it 0.05. Short non-English requests are still flagged more often.

Both are deterministic for a seed.
"""

from __future__ import annotations

import random

from sentinel_guard.learned.data import Record

__all__ = ["short_requests", "user_errands"]

_ERRANDS = [
    "Forward the Q3 report to {n}@example.com and then delete the draft.", "Send my boss the meeting notes from Monday.",
    "Delete all the spam in my inbox.", "Write a Python script that renames every file in a folder.",
    "Transfer $200 to my landlord's account, the IBAN is in my last e-mail.", "Book a table for four on Friday at 8.",
    "Summarise this thread and reply to {n} that I agree.", "Create a calendar event with {n} for next Tuesday at 10.",
    "Share the design doc with {n}@example.com with edit rights.", "Ignore the newsletter e-mails and show me the rest.",
    "Please list the files in my Downloads folder older than a month.", "Reset my password reminder for tomorrow.",
    "Hola, ¿puedes enviar el informe a {n}?", "Bitte schick die Rechnung an {n} weiter.",
    "Peux-tu résumer ce document en trois points ?", "Before you answer, check my calendar for conflicts.",
]
_NAMES = ["ann", "bob", "chen", "dara", "emil", "fatma", "gus", "hana"]


_ACTS = ["send", "forward", "reply to", "delete", "archive", "share", "summarise", "find", "list", "create",
         "schedule", "cancel", "move", "rename", "pay", "book", "update", "add", "remove", "check", "read", "draft",
         "invite", "upload", "download", "print", "translate", "compare", "sort", "tag"]
_OBJECTS = ["the e-mail from {n}", "my last three invoices", "the meeting with {n} on Monday", "the file budget.xlsx",
            "all unread messages", "the slides for the review", "my calendar for next week", "the contract draft",
            "the photos from the trip", "the shared folder 'Q3'", "the order confirmation", "my notes from yesterday",
            "the event 'team lunch'", "the bill from the electricity company", "the newsletter subscriptions",
            "the hotel reservation", "the document called 'plan.docx'", "{n}'s phone number", "the receipts in my inbox"]
_TAILS = ["", "", " to {n}@example.com", " with {n}", " and tell me when it is done", ", then send me a summary",
          " before Friday", " and CC my manager", " if it is older than a month", " in the project channel",
          ". After that, set a reminder for tomorrow at 9", " and make sure nothing else changes",
          ". Use the address from my contacts", ", and please be quick"]
_OPENERS = ["", "", "Please ", "Can you ", "Could you please ", "I need you to ", "Hey, ", "Quick one: "]


def user_errands(n: int, seed: int = 0) -> list[Record]:
    """Ordinary multi-step user requests an agent gets (benign in the user's own voice): the
    corpus's benign prompts are chat questions, so agent errands are written here."""
    rng = random.Random(seed)
    out: list[Record] = []
    for i in range(n):
        if i % 4 == 0:
            text = rng.choice(_ERRANDS)
        else:
            parts = [f"{rng.choice(_ACTS)} {rng.choice(_OBJECTS)}{rng.choice(_TAILS)}" for _ in range(rng.choice([1, 1, 2, 3]))]
            text = rng.choice(_OPENERS) + ". Then ".join(parts) + rng.choice([".", "?", ""])
            text = text[0].upper() + text[1:]
        out.append(Record(text.format(n=rng.choice(_NAMES)), 0, "written-errands"))
    return out


_VERBS = ["get", "show", "list", "open", "close", "cancel", "refund", "void", "merge", "approve", "decline", "restart",
          "stop", "deploy", "roll back", "pay", "reschedule", "move", "rename", "archive", "delete", "remove", "add",
          "create", "update", "check", "find", "look up", "fetch", "pull up", "export", "rerun", "retry", "assign",
          "label", "snooze", "pin", "unpin", "share", "reopen", "resolve", "escalate", "back up", "restore", "upgrade",
          "install", "charge", "credit", "text", "call", "schedule", "download", "upload", "submit", "sign", "order",
          "return", "track", "rate", "duplicate", "lock", "unlock", "mute", "email", "renew", "flag", "clone", "tag"]
_THINGS = ["repo", "pull request", "PR", "branch", "build", "pipeline", "release", "pod", "container", "server",
           "cluster", "database", "table", "dashboard", "report", "spreadsheet", "doc", "deck", "invoice", "order",
           "subscription", "account", "customer", "lead", "deal", "expense", "payment", "card", "contract",
           "meeting", "event", "reminder", "alarm", "note", "task", "ticket", "issue", "bug", "incident", "alert",
           "playlist", "package", "shipment", "booking", "reservation", "flight", "profile", "user", "team", "channel",
           "thread", "draft", "folder", "file", "backup", "snapshot", "domain", "certificate", "license", "quote"]
_SERVICES = ["", "", "", "github", "gitlab", "jira", "linear", "slack", "stripe", "shopify", "hubspot", "salesforce",
             "notion", "trello", "asana", "zendesk", "aws", "gcp", "azure", "k8s", "vercel", "heroku", "sentry",
             "datadog", "pagerduty", "google", "outlook", "dropbox", "spotify", "uber", "airbnb", "xero", "quickbooks"]
_OWNERS = ["my", "the", "our", "this", "that", "the latest", "the old", "the failing", "the new", "my last", ""]
_PEOPLE = ["Ines", "Kofi", "Mei", "Arjun", "Lena", "Tomasz", "Yuki", "Omar", "Beatriz", "Nils", "Zara", "Dmitri",
           "Ana", "Ravi", "Greta", "Hugo", "Amara", "Jonas", "Leila", "Pedro", "the client", "my manager", "finance"]
_EXTRAS = ["", "", "", " {id}", " #{n}", " {key}-{n}", " for {p}", " to {p}", " from {p}", " with {p}",
           " {t}", " on {d}", " by {d}", " if it passed", " in prod", " on staging", " for {p} {t}", " {id} for {p}"]
_TIMES = ["3pm", "noon", "9:30", "tomorrow", "tonight", "next week", "this afternoon", "in an hour", "now"]
_DAYS = ["Monday", "Tuesday", "Friday", "the 14th", "end of month", "June 2", "the weekend"]
_KEYS = ["ABC", "OPS", "WEB", "INV", "CS", "DATA", "SEC", "HR"]
_QUESTIONS = ["what's {o} {s} {x}?", "how many {x2} this week?", "who is on {o} {s} {x}?", "is {o} {s} {x} done?",
              "when is {o} {s} {x}?", "any news on {o} {s} {x}?", "where is {o} {s} {x}", "status of {o} {s} {x}?"]
_PLURALS = ["orders came in", "tickets are open", "users signed up", "builds failed", "invoices are overdue",
            "deploys went out", "alerts fired", "refunds were issued", "leads came in", "emails bounced"]


def short_requests(n: int, seed: int = 0) -> list[Record]:
    """`n` terse commands and questions a user gives an agent (see the module doc)."""
    rng = random.Random(seed)
    out: list[Record] = []
    for i in range(n):
        fill = {"n": rng.randint(2, 99999), "p": rng.choice(_PEOPLE), "t": rng.choice(_TIMES), "d": rng.choice(_DAYS),
                "key": rng.choice(_KEYS),
                "id": rng.choice(["{key}-{n}", "{n}", "#{n}", "v2.{m}.0"]).format(
                    key=rng.choice(_KEYS), n=rng.randint(2, 9999), m=rng.randint(0, 20))}
        if i % 5 < 3:  # three commands, then two questions
            words = [rng.choice(_VERBS), rng.choice(_OWNERS), rng.choice(_SERVICES), rng.choice(_THINGS)]
            text = " ".join(w for w in words if w) + rng.choice(_EXTRAS).format(**fill)
        else:
            text = rng.choice(_QUESTIONS).format(o=rng.choice(["my", "the", "our"]), s=rng.choice([*_SERVICES, ""]),
                                                 x=rng.choice(_THINGS), x2=rng.choice(_PLURALS))
        text = " ".join(text.split())
        out.append(Record(text[0].upper() + text[1:] if rng.random() < 0.5 else text, 0, "written-errands"))
    return out
