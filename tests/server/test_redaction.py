"""The one redactor, as a table: what must go, and look-alikes that must stay readable in the audit."""

from __future__ import annotations

import pytest

from sentinel_guard.redact import REDACTED, find_secrets, redact, redact_record, redact_text

GONE = [
    ("mysql -u root -pS3cretPass db", "S3cretPass"),
    ("mysqldump --single-transaction -h db -pHunter22 shop", "Hunter22"),
    ("sshpass -p hunter2 ssh host", "hunter2"),
    ("psql --password=pw0rd123 -h db", "pw0rd123"),
    ("curl -H 'Authorization: Bearer ab'", "Bearer ab"),
    ("Bearer x1", "x1"),
    ("charge with sk_live_abcdefgh12345", "sk_live_abcdefgh12345"),
    ("rk_test_abcdefgh12345", "rk_test_abcdefgh12345"),
    ("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
    ("key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY alone", "wJalrXUtnFEMI"),
    ("the key is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.", "wJalrXUtnFEMI"),
    ('{"secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', "wJalrXUtnFEMI"),
    ("akiaiosfodnn7example in a lower-cased snippet", "akiaiosfodnn7example"),
    ("git clone https://bob:pw1234@git.example.com/x", "pw1234"),
    ("DB_PASSWORD='a b c'", "a b c"),
    ("GITHUB_TOKEN=ghx_short", "ghx_short"),
    ("jwt eyJhbGciOi.eyJzdWIiOiIx.c2ln", "eyJhbGciOi"),
    ("-----begin openssh private key-----\nb3BlbnNzaC1rZXk=", "b3BlbnNzaC1rZXk"),
    ("ghp_abcdefghijklmnopqrstuvwxyz0123", "ghp_abcdefghijklmnop"),
]
KEPT = [
    "git checkout 3f2a9c1b0d4e5f60718293a4b5c6d7e8f9012345",
    "max_tokens=512 author: me",
    "basic functionality",
    "the bearer of bad news",
    "rm -rf /var/lib/postgresql/data/base/16384",
    "the token budget is 512",
    "mysql -u root -e 'select 1'",
    # 40 mixed-case characters inside a URL or a file name are a path, not an AWS secret key
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html",
    "see src/Components/UserProfile/Avatar2Large/index.tsx for it",
    "open ReportQ3FinalVersionForBoardMeeting2026v2.pdf now",
]


@pytest.mark.parametrize(("text", "secret"), GONE)
def test_secret_families_are_redacted(text: str, secret: str) -> None:
    out = redact_text(text)
    assert secret not in out and REDACTED in out, out


@pytest.mark.parametrize("text", KEPT)
def test_look_alikes_stay_readable(text: str) -> None:
    assert redact_text(text) == text


def test_find_secrets_names_what_redaction_removes() -> None:
    assert find_secrets("id AKIAIOSFODNN7EXAMPLE and sk_live_abcdefgh12345") == ["AKIAIOSFODNN7EXAMPLE",
                                                                                "sk_live_abcdefgh12345"]
    assert find_secrets("") == [] and find_secrets(KEPT[0]) == []


def test_secret_shaped_keys_and_secret_named_values_go() -> None:
    out = redact({"AKIAIOSFODNN7EXAMPLE": 1, "password": "x", "cmd": "ls", "nested": [{"api_key": "k"}]})
    assert out == {REDACTED: 1, "password": REDACTED, "cmd": "ls", "nested": [{"api_key": REDACTED}]}


def test_a_secret_found_in_args_is_removed_from_lower_cased_and_cut_off_snippets() -> None:
    rec = {"args": {"password": "CorrectHorse9", "body": "use wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
           "justification": "sends correcthorse9 out",
           "shield": [{"snippet": "use wjalrxutnfemi/k7mdeng/bpxrficyexamplekey now"},
                      {"snippet": "use wjalrxutn\u2026"}]}
    out = redact_record(rec)
    text = repr(out).lower()
    assert "correcthorse9" not in text and "wjalrxutn" not in text, out


def test_compiled_needles_select_the_same_patterns_as_substring_tests() -> None:
    """The pre-check is an optimisation only: for texts holding each needle (alone, in other
    case, inside words, two at once) it picks exactly the patterns a plain substring test picks,
    and a text with no needle at all is still searched for bare AWS secret keys."""
    from sentinel_guard import redact as r

    needles = sorted({n for _, _, ns in r._SECRET_VALUES for n in ns})
    texts = ["", "nothing here", *needles, *(f"x{n.upper()}y" for n in needles),
             *(f"{a} and {b}" for a, b in zip(needles, reversed(needles), strict=True))]
    for text in texts:
        lowered = text.lower()
        for (_, _, ns), compiled in zip(r._SECRET_VALUES, r._NEEDLES, strict=True):
            assert (compiled.search(lowered) is not None) == any(n in lowered for n in ns), (text, ns)
        assert (r._ANY_NEEDLE.search(lowered) is not None) == any(n in lowered for n in needles), text
    assert "wJalrXUtnFEMI" not in redact_text("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    pad = " " * r._SHORT  # long texts take the substring path: same secrets go
    for text, secret in GONE:
        assert secret not in redact_text(pad + text), text
    for text in KEPT:
        assert redact_text(pad + text) == pad + text
