"""docs/API.md checked against the real answers, so the guide cannot drift from the API.

Every `curl` example in the guide is run, in the guide's order, through DRF's test client against a small
catalogue built here, as a reader would run them against the demo: the account the guide registers (maya)
is $TOKEN, a staff user's token is $STAFF, and `C=$(curl ... | python -c '...["a"]["b"]')` keeps that part
of the answer as $C. Under each example are the answers it must get, one each (a long body goes on over
further `#` lines until its brackets close):

    # 202 Accepted, Retry-After: 2   {"status": "pending", "item": 1, ...}

a status (with its standard reason phrase, if one is written), headers, and a JSON body in which `...`
stands for anything: a value (`"id": ...`), the rest of an object's keys or of a list (`{"a": 1, ...}`,
`[{...}, ...]`), or the rest of a string (`"eyJ..."`). Without `...`, an object has exactly the keys shown
and a list exactly the elements shown. Two answers under one example run it twice, with the background
work (reasons waiting for a worker) done in between. In a request body, a string ending in `...`
(`{"refresh": "eyJ..."}`) stands for the last value the server answered under that key, and a reason's id
(`"explanation": 7`) for the id that the first answer showing 7 really had.

Each body in the errors table must be what some answer with that status really was: one of the guide's
examples, or one of the answers produced here that a reader cannot easily run by hand (a rate limit, a
full queue, a body nested too deeply, a method a path does not allow).
"""

import http
import json
import re
import shlex
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection
from rest_framework.test import APIClient

from catalog.models import Item
from explanations.models import Explanation
from explanations.services import explanations_generate
from feedback.services import rating_upsert
from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train
from tests.factories import CategoryFactory, ItemFactory, RatingFactory, UserFactory

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "API.md"
HOST = "127.0.0.1:8000"  # the guide's $API, so the absolute urls in answers read as the guide shows them
HEALTH_TOKEN = "a-monitor-token-for-the-guide"

# --- Reading the guide -------------------------------------------------------------------------------------

CURL_LINE = re.compile(r"^\s*(?:\w+=\$\()?curl\s")
ANSWER_START = re.compile(r"^#\s*\d{3}\b")
ANSWER_LINE = re.compile(
    r"^#\s+(?P<status>[1-5]\d\d)(?P<phrase>(?:\s+[A-Z][A-Za-z-]*)*)"
    r"(?P<headers>(?:,\s*[A-Za-z][A-Za-z-]*:\s*[^\s,{\[]+)*)(?:\s+(?P<body>[{\[].*))?\s*$"
)
CAPTURE = re.compile(r"^(?P<name>\w+)=\$\((?P<curl>curl\s.*?)\s*\|\s*python3? -c '(?P<code>[^']*)'\)\s*$")
ANY = "\x00any"  # a documented value of `...`: anything
REST = "\x00rest"  # a documented object member `...`: other keys too


class GuideError(AssertionError):
    """The guide has something its test cannot read (the message names the line)."""


@dataclass
class Answer:
    line: int
    status: int
    headers: dict[str, str]
    body: object  # the documented body (with ANY / REST), or None when the guide shows none


@dataclass
class Example:
    line: int
    section: str
    command: str  # the curl command, its continuation lines joined
    capture: tuple[str, list[str]] | None = None  # NAME and the keys of `NAME=$(curl ... | python -c ...)`
    answers: list[Answer] = field(default_factory=list)


def documented_json(text: str, *, line: int) -> object:
    """A documented body as data: JSON in which a bare `...` is a value that matches anything or, where an
    object's key belongs, "and other keys"."""
    out, stack, i, in_string = [], [], 0, False  # stack: [bracket, whether a key comes next]
    while i < len(text):
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\":
                out.append(text[i + 1 : i + 2])
                i += 1
            elif char == '"':
                in_string = False
        elif text.startswith("...", i):
            key_expected = bool(stack) and stack[-1][0] == "{" and stack[-1][1]
            out.append(json.dumps(REST) + ": null" if key_expected else json.dumps(ANY))
            i += 2
        else:
            out.append(char)
            if char == '"':
                in_string = True
            elif char in "{[":
                stack.append([char, char == "{"])
            elif char in "}]" and stack:
                stack.pop()
            elif char == "," and stack:
                stack[-1][1] = stack[-1][0] == "{"
            elif char == ":" and stack:
                stack[-1][1] = False
        i += 1
    try:
        return json.loads("".join(out))
    except json.JSONDecodeError as exc:
        raise GuideError(f"docs/API.md line {line}: the body is not JSON (with `...`): {exc}: {text}") from None


def unclosed(text: str) -> bool:
    """Whether `text` opens more brackets than it closes (outside strings)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        else:
            depth += (char in "{[") - (char in "}]")
    return depth > 0


def parse_answer(text: str, *, line: int) -> Answer:
    match = ANSWER_LINE.match(text)
    if match is None:
        raise GuideError(
            f"docs/API.md line {line}: {text[:80]!r} starts like an answer but is not one: write "
            '`# 200 OK, Header: value   {"key": "value", ...}` and any words on a comment line of their own'
        )
    status, phrase = int(match["status"]), match["phrase"].strip()
    if phrase and phrase != http.HTTPStatus(status).phrase:
        raise GuideError(f"docs/API.md line {line}: {status} is {http.HTTPStatus(status).phrase!r}, not {phrase!r}")
    pairs = [pair.split(":", 1) for pair in match["headers"].split(",")[1:]]
    headers = {name.strip(): value.strip() for name, value in pairs}
    body = documented_json(match["body"], line=line) if match["body"] else None
    return Answer(line=line, status=status, headers=headers, body=body)


def guide_examples(text: str) -> list[Example]:
    """Every curl example in the guide's code blocks, with the answers shown under it."""
    examples: list[Example] = []
    lines = text.splitlines()
    section, in_block, i = "", False, 0
    while i < len(lines):
        number, line = i + 1, lines[i]
        stripped = line.strip()
        i += 1
        if line.startswith("## "):
            section = line[3:].strip()
        if line.startswith("```"):
            in_block = not in_block
        elif CURL_LINE.match(line) and not in_block:
            raise GuideError(f"docs/API.md line {number}: a curl example outside a code block")
        elif CURL_LINE.match(line):
            command = stripped
            while command.endswith("\\") and i < len(lines):
                command = command[:-1].rstrip() + " " + lines[i].strip()
                i += 1
            if re.search(r"\s#\s*\d{3}\b", command):
                raise GuideError(f"docs/API.md line {number}: put the example's answer on a line of its own")
            example = Example(line=number, section=section, command=command)
            if not command.startswith("curl"):
                capture = CAPTURE.match(command)
                if capture is None:
                    raise GuideError(f"docs/API.md line {number}: write NAME=$(curl ... | python -c '...[\"key\"]')")
                example.command = capture["curl"]
                example.capture = (capture["name"], re.findall(r'\["(\w+)"\]', capture["code"]))
            examples.append(example)
        elif in_block and ANSWER_START.match(stripped):
            if not examples or examples[-1].section != section:
                raise GuideError(f"docs/API.md line {number}: an answer with no example above it")
            while unclosed(stripped) and i < len(lines) and lines[i].strip().startswith("#"):
                stripped += " " + lines[i].strip()[1:].strip()
                i += 1
            examples[-1].answers.append(parse_answer(stripped, line=number))
        elif in_block and "curl" in stripped.split("#", 1)[0]:
            raise GuideError(f"docs/API.md line {number}: a curl command the guide's test cannot read: {stripped!r}")
    return examples


def errors_table(text: str) -> list[tuple[int, int, list[object]]]:
    """The rows of the table under "## Errors": (guide line, status, the bodies in its last column)."""
    rows, section = [], ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            section = line[3:].strip()
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if section == "Errors" and len(cells) >= 3 and cells[0].isdigit():
            bodies = [documented_json(code, line=number) for code in re.findall(r"`([{\[][^`]*)`", cells[-1])]
            rows.append((number, int(cells[0]), bodies))
    return rows


# --- Comparing answers -------------------------------------------------------------------------------------


def mismatch(documented: object, real: object, where: str = "body") -> str | None:
    """How `real` differs from what the guide shows, or None when it does not."""
    if documented == ANY:
        return None
    if isinstance(documented, dict):
        if not isinstance(real, dict):
            return f"{where} is {json.dumps(real)[:200]}, not an object"
        keys = [key for key in documented if key != REST]
        if missing := [key for key in keys if key not in real]:
            return f"{where} has no {', '.join(map(repr, missing))} (it has {', '.join(map(repr, real))})"
        if REST not in documented and (extra := [key for key in real if key not in documented]):
            return f"{where} also has {', '.join(map(repr, extra))}: show it, or end the object with `...`"
        pairs = [(documented[key], real[key], f"{where}.{key}") for key in keys]
        return next((reason for pair in pairs if (reason := mismatch(*pair))), None)
    if isinstance(documented, list):
        if not isinstance(real, list):
            return f"{where} is {json.dumps(real)[:200]}, not a list"
        shown, more = (documented[:-1], True) if documented and documented[-1] == ANY else (documented, False)
        if ANY in shown:
            return f"{where}: `...` may only end a list"
        if len(real) < len(shown) or (len(real) > len(shown) and not more):
            return f"{where} has {len(real)} elements, the guide shows {len(shown)}{' and more' if more else ''}"
        pairs = [(each, real[n], f"{where}[{n}]") for n, each in enumerate(shown)]
        return next((reason for pair in pairs if (reason := mismatch(*pair))), None)
    if isinstance(documented, str) and documented.endswith("...") and isinstance(real, str):
        same = real.startswith(documented[:-3])
    else:
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (documented, real))
        same = documented == real and (numbers or type(documented) is type(real))
    return None if same else f"{where} is {json.dumps(real)}, the guide says {json.dumps(documented)}"


# --- The world the guide's examples run against ------------------------------------------------------------

CATEGORIES = ["Action", "Comedy", "Crime", "Drama", "Horror", "Romance", "Sci-Fi", "War"]
FILMS = [  # (id, title, year, categories): the guide names items 1, 2, 3, 4, 42 and 43 by id
    (1, "Aliens", 1986, ["Sci-Fi"]),
    (2, "Predator", 1987, ["Action", "Sci-Fi"]),
    (3, "Stargate", 1994, ["Sci-Fi"]),
    (4, "Alien", 1979, ["Horror", "Sci-Fi"]),
    (5, "Heat", 1995, ["Action", "Crime", "Drama"]),
    (6, "Galaxy Quest", 1999, ["Comedy", "Sci-Fi"]),
    (7, "Groundhog Day", 1993, ["Comedy", "Romance"]),
    (8, "When Harry Met Sally", 1989, ["Comedy", "Romance"]),
    (9, "The Big Lebowski", 1998, ["Comedy", "Crime"]),
    (10, "Ronin", 1998, ["Action", "Crime"]),
    (11, "Tootsie", 1982, ["Comedy", "Romance"]),
    (42, "Starship Troopers", 1997, ["Action", "Sci-Fi", "War"]),
    (43, "Howard the Duck", 1986, ["Comedy", "Sci-Fi"]),
]
TASTES = {  # four fans of each rate these 4.5: three clusters that share a film or two
    "sci-fi": ["Aliens", "Predator", "Stargate", "Alien", "Starship Troopers", "Galaxy Quest"],
    "crime": ["Heat", "Ronin", "The Big Lebowski", "Predator"],
    "comedy": ["Groundhog Day", "When Harry Met Sally", "Tootsie", "Galaxy Quest", "The Big Lebowski"],
}


def access_token(username: str, password: str = "a-long-test-password") -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["access"]


@pytest.fixture
def guide_world(db, clean_cache, tiny_generator, llm_queue, default_queue, settings):
    """The catalogue the guide's examples run against, a trained model, embedded items, and a staff user.
    Reasons are written by the tiny model, whose text the guard refuses: the template is served."""
    settings.RECSITE_HEALTH_TOKEN = HEALTH_TOKEN
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # two dozen sign-ins, fast
    categories = {name: CategoryFactory(name=name, slug=name.lower()) for name in CATEGORIES}
    films = {
        title: ItemFactory(id=pk, title=title, year=year, categories=[categories[name] for name in names])
        for pk, title, year, names in FILMS
    }
    with connection.cursor() as cursor:  # ids given by hand: the item the guide creates comes after them
        for statement in connection.ops.sequence_reset_sql(no_style(), [Item]):
            cursor.execute(statement)
    for taste, titles in TASTES.items():
        for n in range(4):
            fan = UserFactory(username=f"{taste}-fan-{n}")
            for title in titles:
                RatingFactory(user=fan, item=films[title], value=Decimal("4.5"))
    model_train()
    item_embeddings_refresh()
    UserFactory(username="curator", is_staff=True)
    return {"films": films, "staff_token": access_token("curator")}


def maya_has_rated_alien(world) -> None:
    """As the guide says: by the time she asks for recommendations, maya has rated Alien 5.0 on the site."""
    maya = get_user_model().objects.get(username="maya")
    rating_upsert(user=maya, item=world["films"]["Alien"], value=Decimal("5.0"))


BEFORE_SECTION = {"Recommendations and reasons": maya_has_rated_alien}


def background_work_done() -> None:
    """What a worker has done by "two seconds later": every waiting reason written."""
    waiting = Explanation.objects.filter(status=Explanation.Status.PENDING).values_list("pk", flat=True)
    explanations_generate(explanation_ids=list(waiting))


# --- Running the guide -------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: object


class GuideRun:
    """The guide's examples sent in order, and what their answers bind ($TOKEN, $C, refresh tokens, ids)."""

    def __init__(self, *, staff_token: str = ""):
        self.variables = {"API": "", "STAFF": staff_token, "RECSITE_HEALTH_TOKEN": HEALTH_TOKEN}
        self.last: dict[str, str] = {}  # key -> the last string the server answered under it (top level)
        self.ids: dict[int, int] = {}  # a reason id the guide shows -> the real one
        self.replies: list[Reply] = []

    def variable(self, name: str, *, line: int) -> str:
        if name == "TOKEN" and "access" in self.last:  # `TOKEN=eyJ...   # the access token`
            return self.last["access"]
        if name not in self.variables:
            raise GuideError(f"docs/API.md line {line}: ${name} is not set by any example above it")
        return self.variables[name]

    def request(self, example: Example) -> tuple[str, str, dict[str, str], str]:
        """The example's method, path with query, headers and body, with its placeholders filled in."""
        words = shlex.split(example.command, comments=True)[1:]
        method, url, headers, data, query_only = None, None, {}, [], False

        def filled(word: str) -> str:
            return re.sub(r"\$\{?(\w+)\}?", lambda match: self.variable(match[1], line=example.line), word)

        while words:
            word = words.pop(0)
            if word in ("-s", "-i", "-sS"):
                continue
            if word == "-G":
                query_only = True
            elif word == "-X":
                method = words.pop(0)
            elif word == "-H":
                name, _, value = filled(words.pop(0)).partition(":")
                headers[name.strip()] = value.strip()
            elif word in ("-d", "--data-urlencode"):
                data.append((word, filled(words.pop(0)) if word != "-d" else words.pop(0)))
            elif word.startswith("-") or url is not None:
                raise GuideError(f"docs/API.md line {example.line}: the guide's test cannot run curl's {word!r}")
            else:
                url = filled(word)
        if url is None:
            raise GuideError(f"docs/API.md line {example.line}: the example has no URL")
        if query_only or not data:
            query = urlencode([value.partition("=")[::2] for _, value in data])
            return method or "GET", f"{url}{'&' if '?' in url else '?'}{query}" if query else url, headers, ""
        if [kind for kind, _ in data] != ["-d"]:
            raise GuideError(f"docs/API.md line {example.line}: send one JSON body, with -d '{{...}}'")
        return method or "POST", url, headers, self.body(data[0][1], line=example.line)

    def body(self, text: str, *, line: int) -> str:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GuideError(f"docs/API.md line {line}: the request body is not JSON: {exc}") from None
        for key, value in data.items() if isinstance(data, dict) else ():
            if isinstance(value, str) and value.endswith("..."):
                if key not in self.last:
                    raise GuideError(f"docs/API.md line {line}: no answer above it gave a {key!r}")
                data[key] = self.last[key]
            elif key == "explanation" and type(value) is int:
                if value not in self.ids:
                    raise GuideError(f"docs/API.md line {line}: no answer above it showed reason {value}")
                data[key] = self.ids[value]
        return json.dumps(data)

    def send(self, example: Example) -> Reply:
        method, path, headers, body = self.request(example)
        content_type = headers.pop("Content-Type", "application/octet-stream")
        response = APIClient(HTTP_HOST=HOST).generic(method, path, body, content_type, headers=headers)
        json_body = response.json() if response.content and "json" in response.get("Content-Type", "") else None
        reply = Reply(response.status_code, dict(response.items()), json_body)
        if isinstance(json_body, dict):
            self.last.update({key: value for key, value in json_body.items() if isinstance(value, str)})
        self.replies.append(reply)
        return reply

    def check(self, example: Example, answer: Answer, reply: Reply) -> str | None:
        """Why the reply is not the answer the guide shows (naming the guide's line), or None."""
        where = f"docs/API.md line {answer.line} (under {example.command[:80]!r})"
        if reply.status != answer.status:
            return f"{where}: the server answered {reply.status}, the guide says {answer.status}: {reply.body}"
        for name, value in answer.headers.items():
            if reply.headers.get(name) != value:
                return f"{where}: {name} is {reply.headers.get(name)!r}, the guide says {value!r}"
        if answer.body is not None and (reason := mismatch(self.real_ids(answer.body, reply.body), reply.body)):
            return f"{where}: {reason}"
        return None

    def real_ids(self, documented: object, real: object) -> object:
        """The documented body with the reasons' real ids: the guide's 7 is the id that the first answer
        showing 7 had, there and in every example after it."""
        if isinstance(documented, dict) and isinstance(real, dict):
            resolved = {}
            for key, value in documented.items():
                if key == "explanation" and type(value) is int and type(real.get(key)) is int:
                    resolved[key] = self.ids.setdefault(value, real[key])
                else:
                    resolved[key] = self.real_ids(value, real[key]) if key in real else value
            return resolved
        if isinstance(documented, list) and isinstance(real, list):
            resolved = [self.real_ids(each, actual) for each, actual in zip(documented, real, strict=False)]
            return resolved + documented[len(resolved) :]
        return documented

    def capture(self, example: Example, reply: Reply) -> None:
        name, keys = example.capture
        value = reply.body
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                raise GuideError(f"docs/API.md line {example.line}: the answer has no {keys}: {reply.body}")
            value = value[key]
        self.variables[name] = str(value)


def answers_off_the_page(run: GuideRun, world, settings) -> list[Reply]:
    """Answers the errors table shows that a reader would not run by hand, each checked as it comes."""
    maya = APIClient(HTTP_AUTHORIZATION=f"Bearer {run.variable('TOKEN', line=0)}")
    replies = []

    def sent(response) -> Reply:
        replies.append(Reply(response.status_code, dict(response.items()), response.json()))
        return replies[-1]

    assert sent(maya.put("/api/v1/me/", {})).status == 405  # a method the path does not allow
    too_deep = "[" * 33 + "]" * 33
    assert sent(maya.put("/api/v1/ratings/42/", too_deep, content_type="application/json")).status == 400
    # "5 attempts a minute per client; the 6th answers 429" (from an address of its own)
    client = APIClient(REMOTE_ADDR="192.0.2.7")
    logins = [sent(client.post("/api/v1/auth/token/", {"username": "maya", "password": "not-hers"})) for _ in range(6)]
    assert [reply.status for reply in logins] == [401] * 5 + [429]
    assert int(logins[-1].headers["Retry-After"]) > 0
    # Too many reasons waiting: the next new one is refused.
    settings.RECSITE_REASON_PENDING_CAP = Explanation.objects.filter(status=Explanation.Status.PENDING).count() + 1
    assert maya.get("/api/v1/explanations/", {"item": world["films"]["Galaxy Quest"].pk}).status_code == 202
    full = sent(maya.get("/api/v1/explanations/", {"item": world["films"]["Tootsie"].pk}))
    assert full.status == 503
    assert int(full.headers["Retry-After"]) > 0
    return replies


# --- The tests ---------------------------------------------------------------------------------------------


def test_the_guide_shows_an_answer_under_every_curl_example():
    text = GUIDE.read_text()
    examples = guide_examples(text)
    curl_lines = [number for number, line in enumerate(text.splitlines(), start=1) if CURL_LINE.match(line)]

    assert [example.line for example in examples] == curl_lines  # every curl line is an example the test runs
    unanswered = [example.line for example in examples if not example.answers]
    assert not unanswered, f"docs/API.md lines {unanswered}: show each example's answer (`# 200 OK   {{...}}`)"
    assert {status for _, status, _ in errors_table(text)} >= {400, 401, 403, 404, 429, 503}


def test_every_example_in_the_guide_gets_the_answer_it_shows(guide_world, settings):
    text = GUIDE.read_text()
    examples = guide_examples(text)
    run = GuideRun(staff_token=guide_world["staff_token"])
    failures, sections, ran = [], [], []
    for example in examples:
        ran.append(example.line)
        if example.section not in sections:
            sections.append(example.section)
            if prepare := BEFORE_SECTION.get(example.section):
                prepare(guide_world)
        for turn, answer in enumerate(example.answers):
            if turn:
                background_work_done()
            reply = run.send(example)
            if failure := run.check(example, answer, reply):
                failures.append(failure)
        if example.capture:
            run.capture(example, reply)

    replies = run.replies + answers_off_the_page(run, guide_world, settings)
    for line, status, bodies in errors_table(text):
        seen = [reply.body for reply in replies if reply.status == status]
        failures += [
            f"docs/API.md line {line}: no {status} answer was {json.dumps(body)}; they were {json.dumps(seen)}"
            for body in bodies
            if all(mismatch(body, real) for real in seen)
        ]

    assert set(BEFORE_SECTION) <= set(sections), f"docs/API.md has no section {set(BEFORE_SECTION) - set(sections)}"
    curl_lines = [number for number, line in enumerate(text.splitlines(), start=1) if CURL_LINE.match(line)]
    assert ran == curl_lines  # every curl line of the guide was run
    assert len(run.replies) == sum(len(example.answers) for example in examples) > len(examples) > 30
    assert not failures, "docs/API.md differs from the API's answers:\n" + "\n".join(failures)


def test_a_drifted_answer_is_reported_with_its_guide_line():
    guide = """## Reasons

```sh
curl -s "$API/api/v1/explanations/?item=1" -H "Authorization: Bearer $TOKEN"
# 202 Accepted, Retry-After: 2   {"status": "pending", "item": 1, "text": "", "source": ""}
# 200 OK   {"status": "ready", "explanation": 7,
#           "item": 1, "text": "Because you liked Alien: ...", ...}
```
"""
    (example,) = guide_examples(guide)
    pending, ready = example.answers
    run = GuideRun()
    real_pending = {"status": "pending", "explanation": 31, "item": 1, "text": "", "source": ""}
    real_ready = {**real_pending, "status": "ready", "text": "Because you liked Alien: a 1986 film.", "source": "x"}

    assert (pending.line, ready.line, ready.headers, pending.headers) == (5, 6, {}, {"Retry-After": "2"})
    drifted = run.check(example, pending, Reply(202, {"Retry-After": "2"}, real_pending))
    assert drifted.startswith('docs/API.md line 5 (under \'curl -s "$API/api/v1/explanations/?item=1"')
    assert drifted.endswith("body also has 'explanation': show it, or end the object with `...`")
    assert "Retry-After is None" in run.check(example, pending, Reply(202, {}, real_pending))
    assert "answered 200, the guide says 202" in run.check(example, pending, Reply(200, {}, real_ready))
    assert run.check(example, ready, Reply(200, {}, real_ready)) is None
    assert run.ids == {7: 31}  # the feedback example after it sends 31 for the guide's 7
    assert run.body('{"item": 1, "kind": "reason_unhelpful", "explanation": 7}', line=9) == (
        '{"item": 1, "kind": "reason_unhelpful", "explanation": 31}'
    )


@pytest.mark.parametrize(
    ("documented", "real", "reason"),
    [
        ('{"a": 1, ...}', {"a": 1, "b": 2}, None),
        ('{"a": 1}', {"a": 1, "b": 2}, "body also has 'b'"),
        ('{"a": 1, "b": 2}', {"a": 1}, "body has no 'b'"),
        ('{"a": ..., "b": "eyJ..."}', {"a": [1], "b": "eyJhbGci"}, None),
        ('{"b": "eyJ..."}', {"b": "abc"}, 'body.b is "abc", the guide says "eyJ..."'),
        ('{"n": 4.5, "flag": false, "none": null}', {"n": 4.5, "flag": False, "none": None}, None),
        ('{"n": 1}', {"n": True}, "body.n is true"),
        ('{"none": null}', {"none": 0}, "body.none is 0"),
        ('[{"id": 1, ...}, ...]', [{"id": 1, "x": 0}, {"id": 2}], None),
        ('[{"id": 1, ...}]', [{"id": 1}, {"id": 2}], "body has 2 elements, the guide shows 1"),
        ('[{"id": 2, ...}, ...]', [{"id": 1}], "body[0].id is 1, the guide says 2"),
        ("[...]", [], None),
        ('{"id": 42, ..., "is_featured": true}', {"id": 42, "title": "T", "is_featured": False}, "is_featured"),
    ],
)
def test_dots_in_a_documented_answer_stand_for_anything_and_nothing_else(documented, real, reason):
    found = mismatch(documented_json(documented, line=1), real)

    assert found is None if reason is None else reason in (found or "")


def test_an_answer_line_the_test_cannot_read_fails_naming_its_line():
    guide = "```sh\ncurl -s $API/api/v1/me/\n# 200, Retry-After: 2 while some are written   {}\n```\n"

    with pytest.raises(GuideError, match=r"docs/API.md line 3: .* starts like an answer but is not one"):
        guide_examples(guide)
    with pytest.raises(GuideError, match="line 3: 200 is 'OK', not 'Created'"):
        guide_examples("```sh\ncurl -s $API/api/v1/me/\n# 200 Created\n```\n")
    with pytest.raises(GuideError, match="line 2: a curl command the guide's test cannot read"):
        guide_examples("```sh\nwget $API/x || curl\n```\n")  # line 2
