"""The server backend: any OpenAI-compatible completions server (vLLM on the GPU host, `transformers serve`).

A TextGenerator like the in-process one: a batch of prompts in, one line each out (greedy, cut at the
newline). It cannot steer decoding to each item's words (the guard checks every word all the same). A
server that does not answer within the timeout, after the retries, raises GeneratorUnavailable: the reason
stays pending and its task is retried later. Standard library only.
"""

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from language.generator import GeneratorError


class GeneratorUnavailable(GeneratorError):
    """The server did not answer (down, too slow, or refusing): try again later."""


class OpenAICompatibleGenerator:
    def __init__(self, url: str, model: str, *, name: str, timeout: float = 30.0, retries: int = 2, workers: int = 8):
        if not url or not model:
            raise GeneratorError("the server backend needs RECSITE_GENERATOR_URL and RECSITE_GENERATOR_MODEL")
        self.url = url.rstrip("/") + "/v1/completions"
        self.model = model
        self.name = name
        self.timeout = timeout
        self.retries = retries
        self.workers = workers

    def generate(
        self, prompts: list[str], *, max_new_tokens: int = 48, vocabularies: list[set[str]] | None = None
    ) -> list[str]:
        """The first line each prompt continues with, stripped; the prompts go to the server side by side."""
        if not prompts:
            return []
        with ThreadPoolExecutor(max_workers=min(self.workers, len(prompts))) as pool:
            return list(pool.map(lambda prompt: self._complete(prompt, max_new_tokens), prompts))

    def _complete(self, prompt: str, max_new_tokens: int) -> str:
        body = json.dumps(
            {"model": self.model, "prompt": prompt, "max_tokens": max_new_tokens, "temperature": 0, "stop": ["\n"]}
        ).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        attempt = 0
        while True:
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec B310 (our setting)
                    answer = json.loads(response.read())
                return answer["choices"][0]["text"].strip().split("\n", 1)[0].strip()
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    raise GeneratorError(f"{self.url} refused the request: {exc.code} {exc.reason}") from None
                failure: Exception = exc
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                failure = exc
            except (KeyError, IndexError, ValueError) as exc:
                raise GeneratorError(f"{self.url} answered something that is not a completion: {exc!r}") from None
            if attempt == self.retries:
                raise GeneratorUnavailable(f"{self.url} did not answer: {failure}")
            time.sleep(0.5 * 2**attempt)
            attempt += 1
