"""Prompt-injection shield: normalise text, then detect with patterns and a learned model."""

from sentinel_guard.shield.shield import Shield, ShieldResult

__all__ = ["Shield", "ShieldResult"]
