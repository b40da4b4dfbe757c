"""The checks of benchmarks/understanding_requests.json: what a `recommend --intent ... --json` answer must
show for each kind of request (a title named, a word items are tagged with, nonsense, an impossible mix)."""

from collections.abc import Callable


def understanding_failures(
    request: dict, answer: dict, *, n: int, mentions: Callable[[int, str], bool], unseen: Callable[[str], int]
) -> list[str]:
    """What is wrong with `answer` (the command's JSON) for `request`; empty when it passes.
    `mentions(item_id, phrase)`: whether the item's keywords say the phrase; `unseen(phrase)`: how many
    active items the user has not rated do (when none, the list cannot show one)."""
    intent, items = answer["intent"], answer["items"]
    problems = []
    if len(items) != n:
        problems.append(f"{len(items)} items, not {n}")
    for field in ("categories", "excluded"):
        missing = set(request.get(field, ())) - set(intent[field])
        if missing:
            problems.append(f"{field} lack {sorted(missing)}")
    for field in ("year_min", "year_max"):
        if field in request and intent[field] != request[field]:
            problems.append(f"{field} {intent[field]}, not {request[field]}")
    item_ids = [row["item_id"] for row in items]
    if request["kind"] == "title":
        anchors = [(a["title"], a["year"]) for a in intent["anchors"]]
        if tuple(request["anchor"]) not in anchors:
            problems.append(f"anchors {anchors}, not {request['anchor']}")
        if any(a["item_id"] in item_ids for a in intent["anchors"]):
            problems.append("the anchor is in the list")
    elif request["kind"] == "keyword":
        phrase = request["keyword"]
        if phrase not in [k["phrase"] for k in intent["keywords"]]:
            problems.append(f"keywords {[k['phrase'] for k in intent['keywords']]} lack {phrase!r}")
        elif unseen(phrase) and not any(mentions(item_id, phrase) for item_id in item_ids[:3]):
            problems.append(f"none of the top 3 is tagged {phrase!r}")
    elif request["kind"] == "nonsense":
        missing = set(request["unmatched"]) - set(intent["unmatched"])
        if missing:
            problems.append(f"not reported as not understood: {sorted(missing)}")
    elif request["kind"] == "impossible" and not intent["relaxed"]:
        problems.append("nothing said to be relaxed")
    return problems
