"""Command line: tests/emulator/viam-app-emulator [options]; prints one JSON line when ready."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time

from .behaviours import PRESETS, BehaviourError, listing, resolve
from .bootstrap import bootstrap
from .errors import RpcError
from .ids import SECRETS_LOG
from .registry import Settings
from .server import Emulator
from .store import Store


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
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
    parser.add_argument("--call-log", help="append one JSON line per call (method, code, ms) to this file")
    parser.add_argument("--secrets-log", metavar="FILE",
                        help="append one JSON line per secret issued (API keys, location and part secrets, access "
                             "tokens, the bootstrap key) to this file, for the secrets scanner (tests/secrets)")
    parser.add_argument("--behaviour", action="append", default=[], metavar="KEY=VALUE",
                        help="act as app.viam.com may where the public record is unsure (repeatable); "
                             "--list-behaviours shows every key and value")
    parser.add_argument("--behaviours", choices=PRESETS, default="default",
                        help="start every behaviour from its default or its least convenient plausible value")
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


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list_behaviours:
        print(json.dumps(listing(), indent=2))
        return 0
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
    address = "%s:%d" % (args.host, port)
    print(json.dumps({
        "address": address,
        "app_url": "%s://%s" % ("https" if args.tls else "http", address),
        "organization_id": org_id,
        "api_key_id": api_key.id,
        "api_key": api_key.key,
        "tls_cert": cert_path,
        "behaviours": args.behaviour_values,
    }), flush=True)

    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    while not stopped.is_set():
        time.sleep(0.2)
    server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
