"""Tokens and URL credentials never reach output."""

from __future__ import annotations

import pytest

from hfgit import secrets
from hfgit.secrets import redact, register_secret, strip_url_credentials


@pytest.fixture(autouse=True)
def _no_registered_secrets(monkeypatch):
    monkeypatch.setattr(secrets, "_extra_secrets", set())


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://user:tok@huggingface.co/alice/m", "https://huggingface.co/alice/m"),
        ("https://tok@host", "https://host"),
        ("https://user:p@ss@host/x", "https://host/x"),  # raw @ in the password
        ("http://u:p@127.0.0.1:8080/r.git", "http://127.0.0.1:8080/r.git"),
        ("ssh://git@github.com/o/r.git", "ssh://github.com/o/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),  # scp-style is left alone
        ("https://github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://host/path@not-credentials", "https://host/path@not-credentials"),
        ("https://host?q=a@b", "https://host?q=a@b"),
        ("/local/path/repo", "/local/path/repo"),
        ("fetch https://a:b@h/x and https://c:d@k/y", "fetch https://h/x and https://k/y"),
    ],
)
def test_strip_url_credentials(url, clean):
    assert strip_url_credentials(url) == clean


def test_redact_replaces_the_token_from_the_environment(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "s3cr3t-value")
    assert redact("sent s3cr3t-value twice: s3cr3t-value") == "sent *** twice: ***"


@pytest.mark.parametrize("name", ["HF_TOKEN", "HUGGINGFACE_TOKEN", "HUGGING_FACE_HUB_TOKEN"])
def test_redact_knows_every_token_variable(monkeypatch, name):
    monkeypatch.setenv(name, "plain-secret")
    assert "plain-secret" not in redact("token=plain-secret")


def test_redact_replaces_hf_tokens_bearer_values_and_url_credentials():
    text = (
        "token hf_abcdefghijklmnop; Authorization: Bearer xyz.123 "
        "remote https://me:pw@hub.example/r"
    )
    out = redact(text)
    assert out == "token ***; Authorization: Bearer *** remote https://hub.example/r"


def test_registered_secret_is_redacted():
    register_secret("from-the-token-store")
    assert redact("x from-the-token-store y") == "x *** y"


def test_short_values_are_not_treated_as_secrets(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "ab")
    register_secret("xyz")
    assert redact("ab xyz cab") == "ab xyz cab"


def test_redact_leaves_ordinary_text_alone():
    text = "published v1.2.0 (hf_ is a prefix) to https://huggingface.co/alice/m"
    assert redact(text) == text


def test_longer_secret_is_replaced_before_a_shorter_one_it_contains(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "abcd")
    monkeypatch.setenv("HUGGINGFACE_TOKEN", "abcdefgh")
    assert redact("abcdefgh") == "***"


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://host/repo.git?token=hf_abc123", "https://host/repo.git"),
        ("https://u:p@host/r.git?private_token=x#frag", "https://host/r.git"),
        ("https://host/r.git#access_token=x", "https://host/r.git"),
        ("https://host/r?X-Amz-Signature=abc&X-Amz-Credential=k", "https://host/r"),
        ("ssh://git@host:2222/r.git?k=v", "ssh://host:2222/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("/srv/git/repo", "/srv/git/repo"),
        ("https://github.com/o/r.git", "https://github.com/o/r.git"),
    ],
)
def test_public_url_drops_credentials_query_and_fragment(url, public):
    assert secrets.public_url(url) == public
