"""Load for benchmarks/api_load.py: signed-in users asking for recommendations, half of them in words.

Reads the users' access tokens and the requests from the files api_load.py writes (RECSITE_LOAD_TOKENS,
RECSITE_LOAD_QUERIES)."""

import json
import os
import random
from itertools import count
from pathlib import Path

from locust import HttpUser, between, task

TOKENS = json.loads(Path(os.environ["RECSITE_LOAD_TOKENS"]).read_text())
QUERIES = [query["text"] for query in json.loads(Path(os.environ["RECSITE_LOAD_QUERIES"]).read_text())]
_next_user = count()


class AppUser(HttpUser):
    wait_time = between(0.5, 1.5)  # a person looking at the answer before asking again

    def on_start(self):
        token = TOKENS[next(_next_user) % len(TOKENS)]
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.random = random.Random(len(self.client.headers["Authorization"]))

    @task
    def plain(self):
        self.client.get("/api/v1/recommendations/?n=10", name="recommendations")

    @task
    def in_words(self):
        self.client.get(
            "/api/v1/recommendations/", params={"n": 10, "intent": self.random.choice(QUERIES)}, name="with intent"
        )
