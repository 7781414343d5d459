"""Importing this package registers every RPC handler (see registry.rpc)."""
from . import organizations  # noqa: F401
