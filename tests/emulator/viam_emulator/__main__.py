"""Command line: tests/emulator/viam-app-emulator [options]; prints one JSON line when ready.

Start-up is for users' CI as much as for our tests: whatever keeps it from serving (a missing
grpcio or protobuf, a taken port, a bad option, an unwritable file) ends it within a moment with
exit code 2 and one line on stderr saying what to do, never a traceback (VIAM_EMULATOR_DEBUG=1
adds it). --ready-file writes the JSON line to a file only once the server listens (written to a
temporary name and renamed, so a reader never sees half of it), for a shell that waits on it.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time

from typing import NoReturn, Optional

# What pip installs for the emulator (the collection's requirements.txt): said in full when
# missing, because an installed collection has no Makefile or virtualenv to point at.
REQUIREMENTS = "pip install grpcio 'protobuf>=6.33.5,<8'"


def _fail(message: str) -> NoReturn:
    """One line on stderr, exit 2 (the traceback too with VIAM_EMULATOR_DEBUG=1)."""
    if os.environ.get("VIAM_EMULATOR_DEBUG") and sys.exc_info()[0] is not None:
        import traceback
        traceback.print_exc()
    print("viam-app-emulator: %s" % message, file=sys.stderr, flush=True)
    sys.exit(2)


# grpc core logs a failed bind (and the like) on stderr itself, in lines a CI log would show
# beside ours; the one line we print says it better. VIAM_EMULATOR_DEBUG or GRPC_VERBOSITY keeps them.
if not os.environ.get("VIAM_EMULATOR_DEBUG"):
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
try:  # before the imports below need them
    import grpc  # noqa: F401  pylint: disable=unused-import
    import google.protobuf  # noqa: F401  pylint: disable=unused-import
except ImportError as _missing:
    _NAME = str(getattr(_missing, "name", None) or _missing)
    _fail("the Python package %s is missing in %s: %s (or set VIAM_EMULATOR_PYTHON to a Python that has them)"
          % ("grpcio" if _NAME.startswith("grpc") else "protobuf" if _NAME.startswith("google") else _NAME,
             sys.executable, REQUIREMENTS))
try:
    from . import wire  # noqa: F401  pylint: disable=unused-import  # the collection's generated code
except Exception as _old:  # pylint: disable=broad-except  # protobuf's VersionError and friends
    _fail("the installed protobuf (%s) cannot load the generated code: %s (%s)"
          % (getattr(google.protobuf, "__version__", "?"), REQUIREMENTS, str(_old).splitlines()[0] if str(_old) else _old))

from . import presence  # the device side's options (--online-window, --restart-check-interval)
from .behaviours import PRESETS, BehaviourError, listing, resolve
from .bootstrap import bootstrap
from .errors import RpcError
from .ids import SECRETS_LOG
from .registry import Settings
from .server import Emulator
from .store import Store


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block): a CI log shows the reason and nothing else."""

    def error(self, message: str) -> NoReturn:
        _fail("%s (see --help)" % message)


def parse_args(argv=None) -> argparse.Namespace:
    parser = _Parser(
        prog="viam-app-emulator",
        description="A local emulator of the Viam app API (viam.app.v1.AppService and proto.rpc.v1.AuthService) "
                    "for tests, demos and offline CI. Prints one JSON line with its address and credentials "
                    "when ready, then serves until interrupted.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one (default 8080)")
    parser.add_argument("--db", default=":memory:", help="SQLite file to keep state in (default: in memory)")
    parser.add_argument("--tls", action="store_true",
                        help="serve TLS with a generated self-signed certificate (its path is printed as tls_cert)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay every call by this many milliseconds")
    parser.add_argument("--fail-rate", type=float, default=0.0,
                        help="share of calls (0..1) answered UNAVAILABLE before doing anything")
    parser.add_argument("--lose-rate", type=float, default=0.0,
                        help="share of calls (0..1) that are applied and then answered UNAVAILABLE, as if the "
                             "answer were lost on the way back (logged as code LOST_UNAVAILABLE)")
    parser.add_argument("--token-ttl", type=float, default=0.0,
                        help="access tokens expire after this many seconds (default: never)")
    parser.add_argument("--bootstrap-key-id", help="UUID of the owner API key to create (default: random)")
    parser.add_argument("--bootstrap-key", help="secret of the owner API key to create (default: random)")
    parser.add_argument("--seed-fleet", metavar="L:M:P",
                        help="create L locations x M machines x P parts (main part included) at start")
    parser.add_argument("--ready-file", metavar="FILE",
                        help="once serving, write the JSON line to FILE too (atomically: a temporary file renamed); "
                             "removed again when the emulator stops")
    parser.add_argument("--call-log", help="append one JSON line per call (method, code, ms) to this file")
    parser.add_argument("--secrets-log", metavar="FILE",
                        help="append one JSON line per secret issued (API keys, location and part secrets, access "
                             "tokens, the bootstrap key) to this file, for the secrets scanner (tests/secrets)")
    parser.add_argument("--behaviour", action="append", default=[], metavar="KEY=VALUE",
                        help="act as app.viam.com may where the public record is unsure (repeatable); "
                             "--list-behaviours shows every key and value")
    parser.add_argument("--behaviours", choices=PRESETS, default="default",
                        help="start every behaviour from its default or its least convenient plausible value")
    parser.add_argument("--online-window", action=presence.SetOption, dest="online_window", metavar="SECONDS",
                        help="a part is online while its device called RobotService within this many seconds "
                             "(default %g)" % presence.DEFAULT_WINDOW_SECONDS)
    parser.add_argument("--restart-check-interval", action=presence.SetOption, dest="restart_check_interval",
                        metavar="SECONDS", help="the restart_check_interval RobotService/NeedsRestart answers "
                                                "(default %g)" % presence.DEFAULT_RESTART_CHECK_SECONDS)
    parser.add_argument("--list-behaviours", action="store_true",
                        help="print every behaviour key, its values, default and evidence as JSON, and exit")
    args = parser.parse_args(argv)
    try:
        args.behaviour_values = resolve(args.behaviours, args.behaviour)
    except BehaviourError as err:
        parser.error(str(err))
    if not 0.0 <= args.fail_rate <= 1.0:
        parser.error("--fail-rate must be between 0 and 1")
    if not 0.0 <= args.lose_rate <= 1.0:
        parser.error("--lose-rate must be between 0 and 1")
    if args.latency_ms < 0:
        parser.error("--latency-ms must not be negative")
    if bool(args.bootstrap_key_id) != bool(args.bootstrap_key):
        parser.error("--bootstrap-key-id and --bootstrap-key go together")
    if args.seed_fleet:
        try:
            args.seed_fleet = tuple(int(n) for n in args.seed_fleet.split(":"))
            if len(args.seed_fleet) != 3 or min(args.seed_fleet) < 1:
                raise ValueError
        except ValueError:
            parser.error("--seed-fleet takes LOCATIONS:MACHINES_PER_LOCATION:PARTS_PER_MACHINE, each >= 1")
    return args


def make_certificate(host: str):
    """A self-signed certificate for localhost, 127.0.0.1 and the listen host; written to a temp dir."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "viam-app-emulator")])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(list(dict.fromkeys(names))), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    directory = tempfile.mkdtemp(prefix="viam-app-emulator-")
    cert_path = os.path.join(directory, "emulator-cert.pem")
    with open(cert_path, "wb") as handle:
        handle.write(cert_pem)
    return key_pem, cert_pem, cert_path


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        _fail("cannot remove the old --ready-file %s: %s" % (path, err.strerror or err))


def _write_ready(path: str, line: str) -> None:
    """The ready line to ``path``: written to a temporary file beside it (mode 0600: it holds the API
    key), then renamed, so that a reader sees either no file or all of it."""
    tmp = "%s.%d.tmp" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(line + "\n")
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def _bind_problem(host: str, port: int) -> Optional[str]:
    """Why host:port cannot be listened on, from a plain socket (grpc only says that it failed)."""
    import errno
    import socket

    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as err:
        return "--host %s does not resolve (%s): use an address of this machine, such as 127.0.0.1" % (host, err)
    with socket.socket(family, kind, proto) as sock:
        try:
            sock.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                return ("port %d on %s is already in use (another emulator still running?): stop it, pick another "
                        "--port, or use --port 0 for a free one (read it from the JSON line)" % (port, host))
            if err.errno == errno.EADDRNOTAVAIL:
                return "--host %s is not an address of this machine: use 127.0.0.1 or one of its own addresses" % host
            if err.errno == errno.EACCES:
                return "port %d needs privileges here: use a port above 1023, or --port 0 for a free one" % port
            return "cannot listen on %s:%d: %s" % (host, port, err.strerror or err)
    return None


def _start_problem(args: argparse.Namespace, err: BaseException) -> str:
    """One line for a failed start: what failed and what to do."""
    import sqlite3

    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if isinstance(err, ImportError) and args.tls:
        return "--tls needs the Python package cryptography: pip install cryptography (%s)" % text
    if isinstance(err, ImportError):
        return "a Python package is missing: %s (%s)" % (REQUIREMENTS, text)
    if isinstance(err, sqlite3.Error):
        return "cannot use --db %s: %s" % (args.db, text)
    if isinstance(err, (OSError, RuntimeError)) and ("bind" in text.lower() or "address" in text.lower()):
        return _bind_problem(args.host, args.port) or "cannot listen on %s:%d: %s" % (args.host, args.port, text)
    if isinstance(err, OSError) and getattr(err, "filename", None):
        return "cannot open %s: %s" % (err.filename, err.strerror or text)
    return "cannot start: %s: %s (VIAM_EMULATOR_DEBUG=1 shows the traceback)" % (type(err).__name__, text)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list_behaviours:
        print(json.dumps(listing(), indent=2))
        return 0
    if args.ready_file:
        _remove(args.ready_file)  # a stale file from an earlier run must not look ready
    try:
        settings = Settings(behaviours=args.behaviour_values)
        store = Store(args.db)
        SECRETS_LOG.open(args.secrets_log)
        try:
            with store.transaction() as tx:
                org_id, api_key = bootstrap(tx, args.bootstrap_key_id, args.bootstrap_key)
                SECRETS_LOG.record("bootstrap_key", api_key.key)
                if args.seed_fleet:
                    from .seed import seed_fleet
                    seed_fleet(tx, settings, org_id, *args.seed_fleet)
        except RpcError as err:
            print("viam-app-emulator: %s" % err.message, file=sys.stderr)
            return 2
        emulator = Emulator(store, settings=settings, latency_ms=args.latency_ms, fail_rate=args.fail_rate,
                            call_log=args.call_log, token_ttl=args.token_ttl, lose_rate=args.lose_rate)
        tls = None
        cert_path = None
        if args.tls:
            key_pem, cert_pem, cert_path = make_certificate(args.host)
            tls = (key_pem, cert_pem)
        server, port = emulator.start(args.host, args.port, tls)
    except Exception as err:  # pylint: disable=broad-except  # any start-up failure: one line, exit 2
        _fail(_start_problem(args, err))
    address = "%s:%d" % (args.host, port)
    line = json.dumps({
        "address": address,
        "app_url": "%s://%s" % ("https" if args.tls else "http", address),
        "organization_id": org_id,
        "api_key_id": api_key.id,
        "api_key": api_key.key,
        "tls_cert": cert_path,
        "behaviours": args.behaviour_values,
    })
    print(line, flush=True)
    if args.ready_file:
        try:
            _write_ready(args.ready_file, line)
        except OSError as err:
            server.stop(grace=0)
            _fail("cannot write --ready-file %s: %s" % (args.ready_file, err.strerror or err))

    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    while not stopped.is_set():
        time.sleep(0.2)
    server.stop(grace=1).wait()
    if args.ready_file:
        _remove(args.ready_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
