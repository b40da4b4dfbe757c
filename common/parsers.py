"""The API's JSON parser: DRF's, with a bound on nesting, so a small body cannot exhaust the stack.

A 2 KB body of 1,000 nested brackets made the decoder raise RecursionError (a 500); shallower but still
absurd nesting reached the serializers, whose error messages echoed it back. No recsite request body is
more than a few levels deep, so anything past MAX_DEPTH is refused as a 400 before any view sees it.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Levels of objects and arrays a body may have; `{"value": 4.5}` is one, `{"categories": [1]}` two.
MAX_DEPTH = 32
TOO_DEEP = f"The JSON body is nested too deeply: at most {MAX_DEPTH} levels of objects and arrays."


def json_depth_exceeds(data: object, limit: int) -> bool:
    """Whether parsed JSON has more than `limit` levels of objects and arrays (walked without recursion)."""
    stack = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    """JSON bodies up to MAX_DEPTH levels deep; deeper ones are a 400 shaped like the other field errors."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # the C decoder's own guard, at about 1,000 levels
            raise ParseError({"detail": [TOO_DEEP]}) from None
        if json_depth_exceeds(data, self.max_depth):
            raise ParseError({"detail": [TOO_DEEP]})
        return data
