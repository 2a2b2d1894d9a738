"""Analysis done once per call, read by every judge: the transcript parser (who wrote which part
of the context) today; the rules' `Facts` builds its shell, SQL and target views on top of it.

Nothing here keeps state between calls: every function is pure and every result is plain data.
"""

from sentinel_guard.analysis.transcript import Segment, Transcript, parse_transcript

__all__ = ["Segment", "Transcript", "parse_transcript"]
