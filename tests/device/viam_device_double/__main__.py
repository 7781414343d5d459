"""Command line: tests/device/viam-device-double --config FILE [options] (tests/device/README.md)."""
from __future__ import annotations

import argparse
import signal
import sys
from typing import List, Optional

from . import __version__


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="viam-device-double",
        description="Behave toward the Viam app (or its emulator) as viam-server does: authenticate as the part "
                    "of a cloud config file (/etc/viam.json shape), fetch its config (RobotService/Config), send "
                    "logs (Log), poll NeedsRestart and restart when told. SIGHUP restarts (the file is read "
                    "again); SIGTERM stops.")
    # -config is viam-server's own spelling (the machine role's unit runs `viam-server -config FILE`), so the
    # double can be installed as viam-server and started by that command line.
    parser.add_argument("--config", "-config", "-c", default="/etc/viam.json",
                        help="the cloud config file: {\"cloud\": {\"id\", \"secret\" | \"api_key\": {\"id\", \"key\"}, "
                             "\"app_address\"}} (default /etc/viam.json; -config FILE as viam-server takes it)")
    parser.add_argument("--status-file", help="keep a JSON status here (state, authenticated, config revision, "
                                              "components, restarts, last error; never a secret)")
    parser.add_argument("--ca-file", help="PEM roots to trust for an https app_address (e.g. the emulator's "
                                          "--tls certificate); default: the system's")
    parser.add_argument("--broken-interval", type=float, default=3.0, metavar="SECONDS",
                        help="how often a component whose model is `broken` logs an error (default 3)")
    parser.add_argument("--first-restart-check", type=float, default=5.0, metavar="SECONDS",
                        help="delay before the first NeedsRestart call of a session (default 5, as viam-server)")
    parser.add_argument("--max-backoff", type=float, default=30.0, metavar="SECONDS",
                        help="longest wait between attempts after refused credentials (default 30)")
    parser.add_argument("--hostname", help="the host name reported to the app (default: this machine's)")
    parser.add_argument("--version", action="version", version="viam-device-double " + __version__)
    args = parser.parse_args(argv)
    for name in ("broken_interval", "first_restart_check", "max_backoff"):
        if getattr(args, name) < 0:
            parser.error("--%s must not be negative" % name.replace("_", "-"))
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        import google.protobuf  # noqa: F401  pylint: disable=unused-import
        import grpc  # noqa: F401  pylint: disable=unused-import
    except ImportError as err:
        print("viam-device-double: %s: run it with a Python that has grpcio and protobuf "
              "(pip install grpcio protobuf; VIAM_DEVICE_PYTHON)" % err, file=sys.stderr)
        return 2
    from .device import Device, Options  # needs grpc and the generated messages

    options = Options(config_path=args.config, status_file=args.status_file, ca_file=args.ca_file,
                      broken_interval=args.broken_interval, first_restart_check=args.first_restart_check,
                      max_backoff=args.max_backoff)
    if args.hostname:
        options.hostname = args.hostname
    device = Device(options)
    # Signal handlers only set flags: the loop notices within a second (it never sleeps longer).
    signal.signal(signal.SIGTERM, lambda *_: device.request_stop())
    signal.signal(signal.SIGINT, lambda *_: device.request_stop())
    signal.signal(signal.SIGHUP, lambda *_: device.request_restart("SIGHUP"))
    return device.run()


if __name__ == "__main__":
    sys.exit(main())
