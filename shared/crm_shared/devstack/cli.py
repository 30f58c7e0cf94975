"""`python -m crm_shared.devstack run`: the whole CRM on one machine, no setup."""

import argparse
import asyncio
import logging
from pathlib import Path

from crm_shared.devstack.config import SERVICE_NAMES
from crm_shared.devstack.stack import StackOptions, run_stack


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command, `run`."""
    parser = argparse.ArgumentParser(prog="python -m crm_shared.devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the broker and the services; Ctrl-C stops everything")
    run.add_argument("--broker-port", type=int, default=9092, help="port of the embedded broker (9092)")
    run.add_argument("--var-dir", type=Path, default=Path("var"), help="SQLite files, secret, logs (./var)")
    run.add_argument(
        "--only", action="append", choices=SERVICE_NAMES, metavar="SERVICE", default=[],
        help=f"run only this service (repeatable; one of {', '.join(SERVICE_NAMES)})",
    )  # fmt: skip
    run.add_argument("--no-broker", action="store_true", help="do not start Tansu; use --bootstrap-servers")
    run.add_argument("--bootstrap-servers", default="127.0.0.1:9092", help="external Kafka, with --no-broker")
    run.add_argument("--ready-timeout", type=float, default=90.0, help="seconds to wait for /readyz (90)")
    run.add_argument("--stop-timeout", type=float, default=10.0, help="seconds from SIGTERM to SIGKILL (10)")
    run.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="coloured names")
    return parser


def options_from_args(args: argparse.Namespace) -> StackOptions:
    """Parsed arguments to StackOptions."""
    return StackOptions(
        var_dir=args.var_dir,
        broker_port=args.broker_port,
        use_broker=not args.no_broker,
        bootstrap_servers=args.bootstrap_servers,
        only=list(dict.fromkeys(args.only)),
        ready_timeout=args.ready_timeout,
        stop_timeout=args.stop_timeout,
        color={"auto": None, "always": True, "never": False}[args.color],
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="devstack     | %(name)s: %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # retries while the broker starts are expected
    return asyncio.run(run_stack(options_from_args(args)))
