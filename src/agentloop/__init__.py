"""agentloop: tool-use agents on the Claude Messages API."""
