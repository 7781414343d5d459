"""viam-device-double: a stand-in for viam-server toward the Viam app (tests/device/README.md)."""
from __future__ import annotations

# Reported as AgentInfo.version (viam-server sends its version without a leading "v").
__version__ = "0.1.0-device-double"
