"""The manager's uploads are retried while the Hub cannot be reached, waiting retry_delay between
attempts (a recorded pause here, so nothing waits)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from drivers import FIXTURES

from hfgit.effects import silent
from hfgit.errors import ConfigError, HubUnreachableError
from hfgit.manager.settings import Settings, load_settings
from hfgit.manager.workflow import retrying


@pytest.fixture
def settings() -> Settings:
    return replace(load_settings(FIXTURES / "config.yaml"), max_retries=3, retry_delay=7.5)


def flaky(failures: int, calls: list[int]):  # type: ignore[no-untyped-def]
    def action() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise HubUnreachableError("cannot reach the Hub (connection refused)")
        return "done"

    return action


def test_an_unreachable_hub_is_retried_after_retry_delay(settings):
    calls: list[int] = []
    said: list[str] = []
    pauses: list[float] = []
    assert retrying(flaky(2, calls), settings, said.append, pauses.append) == "done"
    assert len(calls) == 3
    assert pauses == [7.5, 7.5]
    assert said == [
        "warning: cannot reach the Hub (connection refused); retrying in 7.5 s (1/3)",
        "warning: cannot reach the Hub (connection refused); retrying in 7.5 s (2/3)",
    ]


def test_retries_give_up_after_max_retries_with_the_hub_error(settings):
    calls: list[int] = []
    pauses: list[float] = []
    with pytest.raises(HubUnreachableError, match="connection refused"):
        retrying(flaky(10, calls), settings, silent, pauses.append)
    assert len(calls) == 4  # one try + max_retries
    assert pauses == [7.5] * 3


def test_other_errors_are_not_retried(settings):
    pauses: list[float] = []

    def broken() -> str:
        raise ConfigError("config.yaml:3: huggingface.repo_id is required")

    with pytest.raises(ConfigError):
        retrying(broken, settings, silent, pauses.append)
    assert pauses == []
