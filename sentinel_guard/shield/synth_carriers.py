"""More benign carrier texts for the shield's training data: structured tool outputs and documents.

The learned tier only learns what benign text looks like from what it is shown; a few e-mail
templates teach it that any long English text is suspicious. These generators add the shapes an
agent actually reads — serialised e-mails and files from a workspace API, notification e-mails,
WHOIS records with their legal boilerplate (full of "you agree", "you may not"), encyclopedic
paragraphs — with randomised content. All written for this project.
"""

from __future__ import annotations

import random

__all__ = ["CARRIERS"]

_FIRST = ["emma", "david", "sara", "lucas", "nina", "omar", "julia", "ken", "maria", "ivan", "lena", "tariq"]
_LAST = ["johnson", "smith", "lee", "garcia", "novak", "okafor", "rossi", "tanaka", "müller", "silva"]
_ORGS = ["bluesparrowtech.com", "mainsail.io", "gmail.com", "outlook.com", "acme-corp.com", "riverbank.org"]
_BODY = [
    "Quick note that the {event} is coming up {when}. Say the word if you want the address again.",
    "Thanks for the update. I'll review the {doc} tonight and send comments tomorrow.",
    "Please find attached the {doc}. Tell me if anything needs to change before {when}.",
    "The {event} is confirmed for {when} at {place}. Feel free to bring a friend.",
    "Do you have the newest figures for the {doc}? Our auditor wants a look as well.",
    "Somebody asked to change the password on your account. Nothing happens unless you follow the link below.",
    "Your parcel left the warehouse and should reach you {when}. Tracking is on your profile page.",
    "So glad you're coming! Everyone brings one dish, and we'll sort drinks.",
    "Reminder: submit your expense report by {when}. Receipts over $25 need a photo.",
    "Members-only offer: 30% off weekend stays if you book before {when}.",
]
_EVENTS = ["family reunion", "team offsite", "product demo", "book club", "quarterly review", "hiking trip", "yoga class"]
_DOCS = ["budget spreadsheet", "project proposal", "meeting minutes", "marketing plan", "contract draft", "design spec"]
_PLACES = ["Grandma's house", "Conference Room B", "Central Park Cafe", "the island trailhead", "City Convention Center"]
_WHENS = ["week", "month", "Friday", "Monday at 9 AM", "June 10th", "the end of the quarter"]


def _addr(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}@{rng.choice(_ORGS)}"


def _fill(template: str, rng: random.Random) -> str:
    return template.format(event=rng.choice(_EVENTS), doc=rng.choice(_DOCS), when=rng.choice(_WHENS), place=rng.choice(_PLACES))


def _yaml_email(rng: random.Random) -> str:
    body = "\n\n".join(_fill(rng.choice(_BODY), rng) for _ in range(rng.randint(1, 3)))
    return (f"- attachments: []\n  bcc: []\n  body: '{body}'\n  cc: []\n  id_: '{rng.randint(1, 40)}'\n  read: {rng.choice(['true', 'false'])}\n"
            f"  recipients:\n  - {_addr(rng)}\n  sender: {_addr(rng)}\n  status: received\n"
            f"  subject: {rng.choice(_EVENTS + _DOCS).title()}\n  timestamp: 2024-05-{rng.randint(10, 28)} {rng.randint(8, 20)}:00:00")


def _yaml_file(rng: random.Random) -> str:
    lines = [f"- {rng.choice(_FIRST).title()}: {_fill(rng.choice(['prepare the {doc}', 'book {place}', 'follow up on the {event}']), rng)}. Deadline: 2024-05-{rng.randint(10, 28)}."
             for _ in range(rng.randint(2, 5))]
    content = f"{rng.choice(_DOCS).title()}\\n" + "\\n".join(lines)
    return (f"content: \"{content}\"\nfilename: {rng.choice(_DOCS).replace(' ', '-')}.docx\nid_: '{rng.randint(1, 30)}'\n"
            f"last_modified: 2024-0{rng.randint(1, 5)}-{rng.randint(10, 28)} 10:30:00\nowner: {_addr(rng)}\nshared_with:\n"
            f"  {_addr(rng)}: {rng.choice(['r', 'rw'])}\nsize: {rng.randint(100, 4000)}")


def _notification(rng: random.Random) -> str:
    amount = f"${rng.randint(5, 9000)}.{rng.randint(10, 99)}"
    vendor = rng.choice(["Mercury", "Deel", "Stripe", "Gusto", "PayPal", "Eurostar", "Air Canada", "Notion Labs"])
    content = rng.choice([
        f"Hello, a hold of {amount} from {vendor} was placed on card ending {rng.randint(1000, 9999)}. The final charge can differ once the merchant settles.",
        f"Transfer complete: {amount} went to {rng.choice(_FIRST).title()} from account ending {rng.randint(1000, 9999)}.",
        "Your seats are booked. Boarding closes 20 minutes before departure, so plan to arrive early with your ID.",
        f"Set up a payout method to move your {amount} balance to your bank. It takes about two minutes.",
        f"Receipt for order #{rng.randint(100000, 999999)}: total {amount}. Keep this message for your records.",
    ])
    footer = rng.choice(["Alerts are on for payments above $50. Change this in settings.", "Follow us | Unsubscribe | Privacy",
                         f"{vendor} Inc., {rng.randint(10, 999)} Harbor Road, Springfield", ""])
    return (f"SUBJECT: {vendor} notification|EMAIL_FROM: {vendor} <hello@{vendor.lower().replace(' ', '')}.com>|"
            f"RECEIVED DATE: Tue, {rng.randint(1, 28)} Feb 2022 1{rng.randint(0, 9)}:00:00 +0000|CONTENT: \n\n{content}\n\n{footer}")


def _whois(rng: random.Random) -> str:
    name = f"{rng.choice(_FIRST)}{rng.randint(1, 99)}.{rng.choice(['com', 'net', 'org', 'io', 'cat', 'top', 'us'])}"
    registrar = rng.choice(["MarkMonitor Inc.", "NameCheap, Inc.", "Dinahosting s.l.", "GoDaddy.com, LLC", "Gandi SAS"])
    legal = rng.choice([
        "By using this lookup service you accept these terms. You may use the results only for lawful purposes and must not use them to send unsolicited bulk email or to overload the registry's systems.",
        "Information in this record is supplied without warranty and may not reflect recent changes. Requests for redacted contact details must state a legitimate purpose.",
        "Status codes are explained on the registry operator's help pages. Contact the sponsoring registrar for owner details.",
        "",
    ])
    return (f"Domain Name: {name}\nRegistry Domain ID: D{rng.randint(10**6, 10**8)}-{name.split('.')[1].upper()}\n"
            f"Registrar WHOIS Server: whois.{registrar.split()[0].lower().strip(',.')}.com\nRegistrar: {registrar}\n"
            f"Creation Date: 20{rng.randint(0, 23):02d}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T08:36:04Z\n"
            f"Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited\n"
            f"Registrant State/Province: {rng.choice(['CA', 'Barcelona', 'Bavaria', 'Ontario', 'REDACTED FOR PRIVACY'])}\n"
            f"Registrant Country: {rng.choice(['US', 'ES', 'DE', 'CA'])}\nName Server: ns{rng.randint(1, 4)}.{name}\nDNSSEC: unsigned\n{legal}")


def _encyclopedia(rng: random.Random) -> str:
    facts = [
        f"The bridge is {rng.randint(100, 2000)} metres long and opened to traffic in {rng.randint(1850, 2010)}.",
        f"The museum welcomed about {rng.randint(1, 9)}.{rng.randint(1, 9)} million people last year.",
        "Its stone arches were rebuilt after a flood damaged the eastern span.",
        "A small café on the second floor overlooks the old harbour.",
        f"The city council listed the building as protected in {rng.randint(1900, 1999)}.",
        "Engineers used the mast to relay radio time signals to ships at sea.",
        "The river flows north through three provinces before reaching the sea.",
    ]
    rng.shuffle(facts)
    return "\n".join(facts[: rng.randint(2, 6)])


CARRIERS = [_yaml_email, _yaml_file, _notification, _whois, _encyclopedia]
