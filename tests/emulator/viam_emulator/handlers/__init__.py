"""Importing this package registers every RPC handler (see registry.rpc)."""
from . import organizations  # noqa: F401
from . import members, roles, keys, fragments, modules  # noqa: F401,E401
from . import locations, robots, parts, metadata  # noqa: F401,E401
from . import device  # noqa: F401  (RobotService: the device side)
