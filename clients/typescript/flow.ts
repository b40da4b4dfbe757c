// The mobile flow, written as an app would write it against the generated types: sign up, sign in, browse
// a category, rate, list one's own ratings, ask for recommendations (plain and in words), wait for a reason,
// react, refresh and revoke the token. No casts: if the schema were wrong, this would not type-check.
//
//   node dist/flow.js BASE_URL '{"username": "...", "password": "...", "category": "...", "intent": "..."}'
//
// It prints one JSON line with what it saw (tests/recsite/test_client_typescript.py reads it) and exits
// non-zero at the first answer that is not the documented one.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Item = components["schemas"]["Item"];
type Rating = components["schemas"]["Rating"];
type Reaction = components["schemas"]["FeedbackEventRequest"];

interface FlowInput {
  username: string;
  password: string;
  category: string; // a category slug to browse
  intent: string; // a request in words
}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new Error(message);
  }
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

async function main(baseUrl: string, input: FlowInput) {
  const api = createClient<paths>({ baseUrl });
  let access = "";
  api.use({
    onRequest({ request }) {
      if (access) {
        request.headers.set("Authorization", `Bearer ${access}`);
      }
      return request;
    },
  });

  // Sign up, then sign in.
  const registered = await api.POST("/api/v1/auth/register/", {
    body: { username: input.username, password: input.password },
  });
  expect(registered.data !== undefined, `register: ${registered.response.status}`);
  const signedIn = await api.POST("/api/v1/auth/token/", {
    body: { username: input.username, password: input.password },
  });
  expect(signedIn.data !== undefined, `token: ${signedIn.response.status}`);
  access = signedIn.data.access;
  let refresh = signedIn.data.refresh;
  const me = await api.GET("/api/v1/me/");
  expect(me.data?.username === input.username, `me: ${me.response.status}`);

  // Browse one category.
  const browsed = await api.GET("/api/v1/items/", { params: { query: { category: input.category } } });
  expect(browsed.data !== undefined, `items: ${browsed.response.status}`);
  const [first, second] = browsed.data.results;
  expect(first !== undefined && second !== undefined, "items: fewer than two in the category");
  expect(
    browsed.data.results.every((item) => item.categories.includes(input.category)),
    "items: one is not in the category",
  );

  // Rate two of them: numbers, as JSON numbers.
  const rated: Rating[] = [];
  const toRate: [Item, number][] = [
    [first, 4.5],
    [second, 5],
  ];
  for (const [item, value] of toRate) {
    const answer = await api.PUT("/api/v1/ratings/{item_id}/", {
      params: { path: { item_id: item.id } },
      body: { value },
    });
    expect(answer.response.status === 201, `rate ${item.id}: ${answer.response.status}`);
    expect(answer.data !== undefined, `rate ${item.id}: no rating`);
    rated.push(answer.data);
  }
  const changed = await api.PUT("/api/v1/ratings/{item_id}/", {
    params: { path: { item_id: second.id } },
    body: { value: 4.5 },
  });
  expect(changed.response.status === 200 && changed.data?.value === 4.5, `re-rate: ${changed.response.status}`);

  // A rating off the half-star grid: a 400 that names the field.
  const refused = await api.PUT("/api/v1/ratings/{item_id}/", {
    params: { path: { item_id: first.id } },
    body: { value: 4.3 },
  });
  expect(refused.response.status === 400, `bad rating: ${refused.response.status}`);
  const valueErrors = refused.error?.value ?? [];

  // My ratings.
  const mine = await api.GET("/api/v1/ratings/");
  expect(mine.data !== undefined, `ratings: ${mine.response.status}`);
  const ratings = mine.data.results.map((rating) => ({ item: rating.item, value: rating.value }));

  // Recommendations, then a request in words, then the categories it understood as filters.
  const plain = await api.GET("/api/v1/recommendations/", { params: { query: { n: 5 } } });
  expect(plain.data !== undefined, `recommendations: ${plain.response.status}`);
  const asked = await api.GET("/api/v1/recommendations/", { params: { query: { intent: input.intent, n: 5 } } });
  expect(asked.data !== undefined, `recommendations for words: ${asked.response.status}`);
  const intent = asked.data.intent;
  expect(intent !== null, "recommendations for words: no intent");
  const understood = intent.categories;
  const filtered = await api.GET("/api/v1/recommendations/", { params: { query: { category: understood, n: 5 } } });
  expect(filtered.data !== undefined, `recommendations by category: ${filtered.response.status}`);
  const categoryItems = [];
  for (const category of understood) {
    const page = await api.GET("/api/v1/items/", { params: { query: { category } } });
    expect(page.data !== undefined, `items in ${category}: ${page.response.status}`);
    categoryItems.push(...page.data.results.map((item) => item.title));
  }

  // The reason for the first one: 202 with Retry-After while it is written, then 200.
  const top = asked.data.items[0];
  expect(top !== undefined, "recommendations for words: empty");
  const reasonStatuses: number[] = [];
  let retryAfter: number | undefined;
  let reason;
  for (let attempt = 0; attempt < 20 && reason === undefined; attempt++) {
    const answer = await api.GET("/api/v1/explanations/", {
      params: { query: { item: top.item.id, intent: input.intent } },
    });
    reasonStatuses.push(answer.response.status);
    expect(answer.data !== undefined, `reason: ${answer.response.status}`);
    if (answer.response.status === 200) {
      reason = answer.data;
    } else {
      const wait = Number(answer.response.headers.get("Retry-After"));
      retryAfter ??= wait;
      await sleep(wait);
    }
  }
  expect(reason !== undefined && reason.explanation !== null, "reason: never ready");

  // React: like the reason's item, hide another, say the reason helped.
  const reactions = [];
  const toSend: Reaction[] = [
    { item: top.item.id, kind: "like" },
    { item: first.id, kind: "not_interested" },
    { item: top.item.id, kind: "reason_helpful", explanation: reason.explanation },
  ];
  for (const body of toSend) {
    const answer = await api.POST("/api/v1/feedback/", { body });
    expect(answer.response.status === 201 && answer.data !== undefined, `${body.kind}: ${answer.response.status}`);
    reactions.push(answer.data.kind);
  }

  // A new pair of tokens, then sign out on this device: the revoked refresh token is refused.
  const renewed = await api.POST("/api/v1/auth/token/refresh/", { body: { refresh } });
  expect(renewed.data !== undefined, `refresh: ${renewed.response.status}`);
  access = renewed.data.access;
  refresh = renewed.data.refresh;
  const stillMe = await api.GET("/api/v1/me/");
  expect(stillMe.data?.id === me.data.id, `me after refresh: ${stillMe.response.status}`);
  const revoked = await api.POST("/api/v1/auth/token/revoke/", { body: { refresh } });
  expect(revoked.response.status === 204, `revoke: ${revoked.response.status}`);
  const afterRevoke = await api.POST("/api/v1/auth/token/refresh/", { body: { refresh } });

  return {
    user: me.data.id,
    rated: rated.map((rating) => ({ item: rating.item, value: rating.value })),
    bad_rating: { status: refused.response.status, value: valueErrors },
    ratings,
    plain: plain.data.items.map((row) => ({ item: row.item.id, source: row.source })),
    intent: { categories: understood, summary: intent.summary },
    filtered: filtered.data.items.map((row) => row.item.categories),
    category_items: categoryItems,
    reason: {
      statuses: reasonStatuses,
      retry_after: retryAfter,
      item: reason.item,
      text: reason.text,
      source: reason.source,
    },
    reactions,
    refresh_after_revoke: afterRevoke.response.status,
  };
}

const [baseUrl, inputJson] = process.argv.slice(2);
if (baseUrl === undefined || inputJson === undefined) {
  throw new Error("usage: node dist/flow.js BASE_URL INPUT_JSON");
}
const input: FlowInput = JSON.parse(inputJson);
console.log(JSON.stringify(await main(baseUrl, input)));
