"""Overseers: the judges behind a Guard. Model-backed ones live in `sentinel_guard.backends`."""

from sentinel_guard.overseers.base import FailClosed, Fallback, Overseer, Timeout, WrapperOverseer, fail_closed_verdict

__all__ = ["FailClosed", "Fallback", "Overseer", "Timeout", "WrapperOverseer", "fail_closed_verdict"]
