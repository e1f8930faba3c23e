import hashlib
import hmac
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yume.whatsapp.signature import sign, verify_signature

SECRET = "a3f1c9e07b2d4f6a8c1e3b5d7f9a0c2e"
BODY = (Path(__file__).parent / "payloads" / "text.json").read_bytes()
# How Meta sends non-ASCII text: escaped, so the raw bytes are pure ASCII.
ESCAPED_BODY = (
    b'{"text":{"body":"\\u00bfMa\\u00f1ana a las 5? \\ud83d\\ude0a"},"name":"Jos\\u00e9"}'
)


def test_it_signs_like_meta():
    key, message = "key", b"The quick brown fox jumps over the lazy dog"
    expected = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    assert sign(key, message) == "sha256=" + expected


def test_it_accepts_the_right_signature():
    assert verify_signature(SECRET, BODY, sign(SECRET, BODY))


def test_it_accepts_an_uppercase_digest():
    header = sign(SECRET, BODY)
    assert verify_signature(SECRET, BODY, "sha256=" + header.removeprefix("sha256=").upper())


def test_it_refuses_a_signature_made_with_another_secret():
    assert not verify_signature(SECRET, BODY, sign("another-app-secret", BODY))


def test_it_refuses_a_tampered_body():
    header = sign(SECRET, BODY)
    tampered = BODY.replace(b"a las 5", b"a las 6")
    assert tampered != BODY
    assert not verify_signature(SECRET, tampered, header)


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha256", "SHA256=" + "0" * 64])
def test_it_refuses_a_missing_or_empty_header(header):
    assert not verify_signature(SECRET, BODY, header)


def test_it_refuses_the_legacy_sha1_header():
    sha1 = hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest()
    assert not verify_signature(SECRET, BODY, "sha1=" + sha1)


@pytest.mark.parametrize(
    "digest",
    [
        "z" * 64,  # not hex
        "0" * 63,  # too short
        "0" * 65,  # too long
        "é" * 64,  # non-ASCII: compare_digest would raise on it
        " " + "0" * 63,
    ],
)
def test_it_refuses_a_malformed_digest_without_raising(digest):
    assert not verify_signature(SECRET, BODY, "sha256=" + digest)


def test_it_refuses_a_digest_with_surrounding_whitespace():
    assert not verify_signature(SECRET, BODY, sign(SECRET, BODY) + "\n")


def test_it_refuses_everything_when_the_secret_is_empty():
    assert not verify_signature("", BODY, sign("", BODY))


def test_it_hashes_the_raw_bytes_not_reserialised_json():
    header = sign(SECRET, ESCAPED_BODY)
    parsed = json.loads(ESCAPED_BODY)
    assert parsed["name"] == "José"
    assert verify_signature(SECRET, ESCAPED_BODY, header)
    for reserialised in (
        json.dumps(parsed).encode(),
        json.dumps(parsed, ensure_ascii=False).encode(),
        json.dumps(parsed, separators=(",", ":"), ensure_ascii=False).encode(),
    ):
        assert not verify_signature(SECRET, reserialised, header)


@given(secret=st.text(min_size=1), body=st.binary())
def test_it_round_trips_any_body(secret, body):
    assert verify_signature(secret, body, sign(secret, body))


@given(header=st.one_of(st.none(), st.text(), st.text().map(lambda s: "sha256=" + s)))
def test_it_never_raises_on_any_header(header):
    assert verify_signature(SECRET, BODY, header) is False
