import json
import sys

from django.core.management.base import BaseCommand, CommandError

from explanations.selectors import adapter_feedback
from explanations.tuning import HELD_OUT, TuningError, adapter_tune


class Command(BaseCommand):
    help = (
        "Tune the reason generator: a LoRA adapter trained on the reasons the guard accepted (weighted up by "
        "helpful votes, none voted unhelpful), measured against the model without it on held-out fact sets, "
        "and promoted only if the model with it is accepted first time more often, with no unsupported claim."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bootstrap", type=int, default=0, metavar="N", help="first write reasons for N pairs")
        parser.add_argument("--max-examples", type=int, default=None, metavar="N", help="train on at most N")
        parser.add_argument("--epochs", type=int, default=1, metavar="E")
        parser.add_argument("--held-out", type=int, default=HELD_OUT, metavar="N", help="fact sets to measure on")
        parser.add_argument(
            "--no-pipeline", action="store_false", dest="pipeline", help="measure the plain candidate only"
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the figures as JSON")
        parser.add_argument(
            "--report", action="store_true", help="tune nothing: reasons, votes and helpful rate per adapter"
        )

    def handle(self, *args, bootstrap, max_examples, epochs, held_out, pipeline, as_json, report, **options):
        if report:
            self.stdout.write(json.dumps(adapter_feedback(), indent=2))
            return
        if bootstrap < 0:
            raise CommandError("--bootstrap must be 0 or more")
        if min(epochs, held_out, max_examples or 1) < 1:
            raise CommandError("--epochs, --held-out and --max-examples must be at least 1")
        try:
            result = adapter_tune(
                bootstrap=bootstrap,
                max_examples=max_examples,
                epochs=epochs,
                held_out=held_out,
                pipeline=pipeline,
                progress=sys.stderr.isatty(),
            )
        except TuningError as exc:
            raise CommandError(str(exc)) from None
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        base, candidate = result.base, result.candidate
        self.stdout.write(
            f"{result.examples} examples, {result.seconds:.0f} s; first-attempt acceptance on "
            f"{base['fact_sets']} held-out fact sets: {base['acceptance']:.0%} without the adapter, "
            f"{candidate['acceptance']:.0%} with {result.adapter} (unsupported claims {candidate['unsupported']}): "
            + ("promoted" if result.promoted else "not promoted")
        )
