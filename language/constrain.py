"""Steering generation toward grounded words: a logits processor that lets each row of a batch continue
only with the words of its own vocabulary (language.grounding.allowed_words), with punctuation between
words and a newline to end the line. Words are followed token by token through tries of their spellings
(" word", " Word"), so a row can never start a word that is not in its vocabulary.

Token ids of spellings, and a tokenizer's punctuation and line ends, are found once per process.
"""

import re
from functools import cache

# Between words; not "-": a hyphen belongs inside a word a vocabulary spells ("sci-fi"), never dangling.
PUNCTUATION = re.compile(r"^\s?[,.;:!?()'\"]+$")
END = "\n"


class _Node:
    __slots__ = ("children", "terminal")

    def __init__(self):
        self.children: dict[int, _Node] = {}
        self.terminal = False


def word_trie(tokenizer, words) -> _Node:
    """The root of a trie of the token sequences of `words`' spellings."""
    root = _Node()
    unknown = tokenizer.unk_token_id
    for word in words:
        for spelling in _spellings(word):
            tokens = _encode(tokenizer, spelling)
            if unknown is not None and unknown in tokens:  # a word the tokenizer cannot spell: never written
                continue
            node = root
            for token in tokens:
                node = node.children.setdefault(token, _Node())
            node.terminal = True
    return root


@cache
def _special_tokens(tokenizer) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(punctuation, end-of-line, end-of-text) token ids of a tokenizer, found once."""
    pieces = {token: tokenizer.decode([token]) for token in range(len(tokenizer))}
    punctuation = tuple(token for token, text in pieces.items() if text and PUNCTUATION.match(text))
    eos = tuple(_ids(tokenizer.eos_token_id))
    end = tuple(sorted({token for token, text in pieces.items() if END in text} | set(eos)))
    return punctuation, end, eos or end


class GroundedWords:
    """A transformers logits processor (called with the batch's ids so far and the next token's scores):
    row i may write only the words of `vocabularies[i]`, punctuation between them, and a newline to end."""

    def __init__(self, tokenizer, vocabularies: list[set[str]]):
        import torch

        self._torch = torch
        self.roots = [word_trie(tokenizer, vocabulary) for vocabulary in vocabularies]
        punctuation, end, self.eos = _special_tokens(tokenizer)
        self.punctuation, self.end = set(punctuation), set(end)
        self.nodes: list[_Node] = []
        self.ended = [False] * len(vocabularies)
        self.written: list[list[int]] = [[] for _ in vocabularies]
        self._allowed_cache: dict[tuple[int, int], list[int]] = {}

    def __call__(self, input_ids, scores):
        if not self.nodes:  # the first step: every row starts a word
            self.nodes = list(self.roots)
        else:
            for row, token in enumerate(input_ids[:, -1].tolist()):
                self._advance(row, token)
        mask = self._torch.full_like(scores, float("-inf"))
        for row, node in enumerate(self.nodes):
            allowed = list(self.eos) if self.ended[row] else self._unrepeated(row, self._allowed(row, node))
            mask[row, allowed] = 0.0
        return scores + mask

    def _unrepeated(self, row: int, allowed: list[int]) -> list[int]:
        """`allowed` less the tokens that would write again three tokens this row has written (a loop); the
        prompt does not count, so a title it names may still be written."""
        written = self.written[row]
        if len(written) < 2:
            return allowed
        last = (written[-2], written[-1])
        repeats = {written[i + 2] for i in range(len(written) - 2) if (written[i], written[i + 1]) == last}
        return [token for token in allowed if token not in repeats] if repeats else allowed

    def _advance(self, row: int, token: int) -> None:
        self.written[row].append(token)
        node, root = self.nodes[row], self.roots[row]
        if token in self.end:
            self.ended[row] = True
        elif token in node.children:
            self.nodes[row] = node.children[token]
        else:  # punctuation, or a new word after a finished one
            self.nodes[row] = root.children.get(token, root)

    def _allowed(self, row: int, node: _Node) -> list[int]:
        key = (row, id(node))
        if key not in self._allowed_cache:
            root = self.roots[row]
            ids = set(node.children)
            if node is root or node.terminal:
                ids |= set(root.children) | self.punctuation | self.end
            self._allowed_cache[key] = sorted(ids)
        return self._allowed_cache[key]


@cache
def _encode(tokenizer, text: str) -> tuple[int, ...]:
    return tuple(tokenizer.encode(text, add_special_tokens=False))


def _spellings(word: str) -> set[str]:
    return {" " + form for form in (word, word.lower(), word[:1].upper() + word[1:])}


def _ids(value) -> set[int]:
    if value is None:
        return set()
    return set(value) if isinstance(value, list | tuple) else {value}
