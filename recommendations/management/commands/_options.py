"""Command-line options for the model parameters, shared by `train` and `evaluate`."""

from django.core.management.base import CommandError

from recengine.model import KnnParams

DEFAULTS = KnnParams()


def add_param_arguments(parser) -> None:
    parser.add_argument("--neighbors", type=int, default=DEFAULTS.k, help=f"neighbours per item (default {DEFAULTS.k})")
    parser.add_argument("--shrinkage", type=float, default=DEFAULTS.shrinkage, help="co-rater shrinkage (default 0)")
    parser.add_argument("--mode", choices=["implicit", "explicit"], default=DEFAULTS.mode)
    parser.add_argument(
        "--threshold", type=float, default=DEFAULTS.threshold, help="implicit mode: lowest rating that counts"
    )
    parser.add_argument("--popularity-prior", type=float, default=DEFAULTS.popularity_prior)


def params_from(options: dict) -> KnnParams:
    if options["neighbors"] < 1:
        raise CommandError(f"--neighbors must be at least 1, not {options['neighbors']}")
    if options["shrinkage"] < 0 or options["popularity_prior"] < 0:
        raise CommandError("--shrinkage and --popularity-prior must not be negative")
    return KnnParams(
        k=options["neighbors"],
        shrinkage=options["shrinkage"],
        mode=options["mode"],
        threshold=options["threshold"],
        popularity_prior=options["popularity_prior"],
    )
