import dataclasses
import json

from django.core.management.base import BaseCommand, CommandError

from accounts.commands import user_lookup
from catalog.domain import catalogue_domain
from catalog.models import Item
from explanations.generation import reason_facts
from explanations.models import Explanation
from explanations.services import explanation_request, explanations_generate
from language.reasons import word_trace


class Command(BaseCommand):
    help = (
        "Write (synchronously) and print the reason for recommending an item to a user; with --json, also "
        "the facts it was written from and, for each word, the fact it traces to."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="user id or username")
        parser.add_argument("--item", type=int, required=True, help="item id")
        parser.add_argument("--intent", help="the user's request in words, if any")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON")

    def handle(self, *args, user: str, item: int, intent: str | None, as_json: bool, **options):
        found = Item.objects.filter(pk=item).first()
        if found is None:
            raise CommandError(f"no item {item}")
        try:
            result = explanation_request(user=user_lookup(user), item=found, intent=intent)
        except ValueError as exc:
            raise CommandError(f"--intent: {exc}") from exc
        explanations_generate(explanation_ids=[result.explanation_id])
        explanation = Explanation.objects.get(pk=result.explanation_id)
        facts = reason_facts(item=found, evidence_item_ids=explanation.evidence_item_ids, intent=explanation.intent)
        row = {
            "item_id": found.pk,
            "text": explanation.text,
            "source": explanation.source,
            "guard": explanation.verdict or "ok",
            "model": explanation.model_name,
            "prompt_version": explanation.prompt_version,
            "facts": dataclasses.asdict(facts),
            "trace": word_trace(explanation.text, facts, domain=catalogue_domain()),
        }
        if as_json:
            self.stdout.write(json.dumps(row, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(f"{row['text']}\n[{row['source']}; guard: {row['guard']}]")
