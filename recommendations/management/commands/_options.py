"""Command-line options for the algorithm and its parameters, shared by `train` and `evaluate`.

Each registered algorithm's parameters become options (its Params dataclass fields; a field's metadata may
rename the option, give choices or help), so a new algorithm's knobs appear here without an edit.
"""

import dataclasses

from django.core.management.base import CommandError

from recengine.recommender import RECOMMENDERS, UnknownAlgorithmError, recommender_class


def add_algorithm_arguments(parser, *, default: str | None) -> None:
    parser.add_argument(
        "--algorithm",
        default=default,
        help=f"{' or '.join(sorted(RECOMMENDERS))} (default: {default or 'RECSITE_ALGORITHM'})",
    )
    seen: dict[str, str] = {}
    for name, algorithm in sorted(RECOMMENDERS.items()):
        for field in dataclasses.fields(algorithm.Params):
            option = _option(field)
            if option in seen:  # a knob two algorithms share: one option serves both
                continue
            seen[option] = name
            extra = (
                {"choices": field.metadata["choices"]} if "choices" in field.metadata else {"type": type(field.default)}
            )
            parser.add_argument(
                option,
                dest=f"param_{field.name}",
                default=None,
                help=f"{field.metadata.get('help', field.name)} ({name}; default {field.default})",
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
        return algorithm, algorithm.Params(**given)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _option(field: dataclasses.Field) -> str:
    return "--" + field.metadata.get("option", field.name).replace("_", "-")
