import json

from django.core.management.base import BaseCommand, CommandError

from accounts.commands import user_lookup
from recengine.recommender import RECOMMENDERS
from recommendations.intents import ConversationError, intent_fields
from recommendations.selectors import recommendations_for_user
from recommendations.services.conversations import conversation_turn


class Command(BaseCommand):
    help = "Print a user's recommendations with their evidence, optionally for a request in plain words."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="user id or username")
        parser.add_argument("--n", type=int, default=10)
        parser.add_argument("--category", action="append", default=[], help="category slug (repeatable)")
        parser.add_argument("--intent", help='what the user asks for, e.g. "a funny animated movie for kids"')
        parser.add_argument(
            "--conversation", help="the conversation id a previous answer printed: --intent then refines that request"
        )
        parser.add_argument(
            "--remove",
            action="append",
            default=[],
            help="a chip key to take off the request, e.g. category:Comedy (or its slug)",
        )
        parser.add_argument(
            "--algorithm", help="rank with the newest kept version this algorithm built (default: the active one)"
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON")

    def handle(self, *args, user: str, n: int, category: list[str], intent: str | None, as_json: bool, **options):
        algorithm = options["algorithm"]
        if algorithm is not None and algorithm not in RECOMMENDERS:
            raise CommandError(f"--algorithm: {algorithm!r} is not one of {', '.join(sorted(RECOMMENDERS))}")
        if not 1 <= n <= 500:
            raise CommandError(f"--n must be between 1 and 500, not {n}")
        conversation, remove = options["conversation"], options["remove"]
        if remove and not (intent or conversation):
            raise CommandError("--remove: only with --intent or --conversation")
        try:
            if intent is None and conversation is None:
                result = recommendations_for_user(user=user_lookup(user), n=n, categories=category, algorithm=algorithm)
            else:
                result = conversation_turn(
                    user=user_lookup(user), text=intent, conversation_id=conversation, remove=remove, n=n,
                    categories=category, algorithm=algorithm,
                )  # fmt: skip
        except ConversationError as exc:
            raise CommandError(f"--{exc.field}: {exc}") from exc
        except ValueError as exc:
            raise CommandError(f"{'--intent' if intent else '--algorithm'}: {exc}") from exc
        rows = [
            {
                "item_id": r.item.pk,
                "title": r.item.title,
                "year": r.item.year,
                "categories": [c.name for c in r.item.categories.all()],
                "score": round(r.score, 6),
                "similarity": None if r.similarity is None else round(r.similarity, 6),
                "source": r.source,
                "evidence": [{"item_id": e.item_id, "title": e.title, "share": e.share} for e in r.evidence],
            }
            for r in result
        ]
        if as_json:
            self.stdout.write(
                json.dumps({"intent": intent_fields(result), "items": rows}, indent=2, ensure_ascii=False)
            )
            return
        if result.intent:
            self.stdout.write(f"Understood: {result.intent.describe() or '(no constraints)'}")
            if result.intent.unmatched:
                self.stdout.write(f"Not understood: {', '.join(result.intent.unmatched)}")
            for note in result.relaxed:
                self.stdout.write(f"Relaxed: {note}")
            self.stdout.write(f"Conversation: {result.conversation} (--conversation to refine it)")
        for rank, row in enumerate(rows, start=1):
            because = ", ".join(f"{e['title']} ({e['share']:.0%})" for e in row["evidence"])
            year = f" ({row['year']})" if row["year"] else ""
            self.stdout.write(
                f"{rank:>3}. {row['title']}{year}  score {row['score']:.3f}  [{row['source']}]"
                + (f"  because: {because}" if because else "")
            )
