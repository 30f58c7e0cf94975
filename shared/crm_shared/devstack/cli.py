"""`python -m crm_shared.devstack run`: the whole CRM on one machine, no setup; `seed`: demo data."""

import argparse
import asyncio
import logging
from pathlib import Path

from crm_shared.devstack.config import SERVICE_NAMES, SERVICES
from crm_shared.devstack.stack import StackOptions, run_stack


def build_parser() -> argparse.ArgumentParser:
    """The command line: `run` the stack, `seed` it with a demo company."""
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
    seed = sub.add_parser("seed", help="fill a running stack with a demo company through the services' APIs")
    seed.add_argument("--scale", type=float, default=1.0, help="1 = ~2400 leads, 420 deals (1.0)")
    seed.add_argument("--seed", type=int, default=2026, help="random seed: the same seed, the same company")
    seed.add_argument("--concurrency", type=int, default=16, help="requests in flight (16)")
    seed.add_argument("--no-wait", action="store_true", help="do not wait for reporting to catch up")
    for spec in SERVICES:
        seed.add_argument(f"--{spec.name}-url", default=spec.base_url, help=f"({spec.base_url})")
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


def seed_options(args: argparse.Namespace):
    """Parsed `seed` arguments to SeedOptions (the admin's credentials: SALES_BOOTSTRAP_ADMIN_*)."""
    from crm_shared.devstack.seed import Endpoints, SeedOptions

    endpoints = Endpoints(
        leads=args.leads_url, sales=args.sales_url, desk=args.service_desk_url, reporting=args.reporting_url
    )
    return SeedOptions(
        endpoints=endpoints,
        scale=args.scale,
        seed=args.seed,
        concurrency=args.concurrency,
        wait_for_reporting=0 if args.no_wait else 180.0,
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "seed":
        from crm_shared.devstack.seed import seed_command

        return asyncio.run(seed_command(seed_options(args)))
    logging.basicConfig(level=logging.WARNING, format="devstack     | %(name)s: %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # retries while the broker starts are expected
    return asyncio.run(run_stack(options_from_args(args)))
