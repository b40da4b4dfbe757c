"""Command-line options for the algorithm and its parameters, shared by `train` and `evaluate`.

Each registered algorithm's parameters become options (its Params dataclass fields; a field's metadata may
rename the option, give choices or help), so a new algorithm's knobs appear here without an edit.
"""

import dataclasses

from django.core.management.base import CommandError

from recengine.recommender import RECOMMENDERS, UnknownAlgorithmError, recommender_class
from recommendations.services.training import algorithm_params


def add_algorithm_arguments(parser, *, default: str | None, extra_names: tuple[str, ...] = ()) -> None:
    """`extra_names`: other values the command takes for --algorithm (evaluate's "all")."""
    parser.add_argument(
        "--algorithm",
        default=default,
        help=f"{' or '.join([*sorted(RECOMMENDERS), *extra_names])} (default: {default or 'RECSITE_ALGORITHM'})",
    )
    shared: dict[str, list[tuple[str, dataclasses.Field]]] = {}  # a knob several algorithms have: one option
    for name, algorithm in sorted(RECOMMENDERS.items()):
        for field in dataclasses.fields(algorithm.Params):
            shared.setdefault(_option(field), []).append((name, field))
    for option, owners in shared.items():
        _, field = owners[0]
        extra = {"choices": field.metadata["choices"]} if "choices" in field.metadata else {"type": type(field.default)}
        defaults = ", ".join(f"{name} {owner.default}" for name, owner in owners)
        parser.add_argument(
            option,
            dest=f"param_{field.name}",
            default=None,
            help=f"{field.metadata.get('help', field.name)} (default: {defaults})",
            **extra,
        )


def algorithm_and_params(options: dict, *, fallback: str):
    """The algorithm the options name (else `fallback`) and its parameters: the options given, its
    defaults for the rest. A bad name or value is a CommandError that says which."""
    name = options["algorithm"] or fallback
    try:
        algorithm = recommender_class(name)
    except UnknownAlgorithmError as exc:
        raise CommandError(f"--algorithm: {exc}") from None
    given = {
        field.name: options[f"param_{field.name}"]
        for field in dataclasses.fields(algorithm.Params)
        if options.get(f"param_{field.name}") is not None
    }
    try:
        return algorithm, algorithm_params(algorithm, given)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _option(field: dataclasses.Field) -> str:
    return "--" + field.metadata.get("option", field.name).replace("_", "-")
