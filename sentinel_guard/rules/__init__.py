"""The rules tier: parsers and rules that recognise dangerous tool calls without a model."""
