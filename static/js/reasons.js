// Reasons load after the page: the script asks the explanations API for all of the page's reasons in one
// request (/api/v1/explanations/page/, with the session), shows "Finding a reason..." while they are written
// (Retry-After, waiting longer each round), then each text with "Helpful" / "Not helpful" buttons for
// signed-in users. A failure shows nothing alarming: the recommendation stands alone.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var MAX_ROUNDS = 12;

  function pageUrl(boxes) {
    var first = new URL(boxes[0].dataset.reasonUrl, window.location.origin);
    var url = new URL("/api/v1/explanations/page/", window.location.origin);
    first.searchParams.forEach(function (value, key) { if (key !== "item") { url.searchParams.append(key, value); } });
    boxes.forEach(function (box) {
      url.searchParams.append("item", new URL(box.dataset.reasonUrl, window.location.origin).searchParams.get("item"));
    });
    return url;
  }

  function poll(boxes, round, wait) {
    if (!boxes.length) { return; }
    if (round >= MAX_ROUNDS) { boxes.forEach(function (box) { box.textContent = ""; }); return; }
    fetch(pageUrl(boxes), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var retry = parseInt(response.headers.get("Retry-After") || "0", 10);
        if (!response.ok) { return { reasons: null, retry: retry || wait }; }
        return response.json().then(function (body) { return { reasons: body.reasons, retry: retry }; });
      })
      .then(function (answer) {
        var waiting = [];
        if (answer.reasons) {
          answer.reasons.forEach(function (reason, index) {
            if (reason.status === "ready") { show(boxes[index], reason); } else { waiting.push(boxes[index]); }
          });
        } else {
          waiting = boxes;
        }
        var next = Math.min(Math.max(answer.retry, wait), 30);
        setTimeout(function () { poll(waiting, round + 1, Math.min(wait * 1.5, 30)); }, next * 1000);
      })
      .catch(function () { boxes.forEach(function (box) { box.textContent = ""; }); });
  }

  function show(box, reason) {
    box.textContent = "";
    var text = document.createElement("span");
    text.className = "reason-text";
    text.textContent = reason.text;
    box.appendChild(text);
    box.setAttribute("aria-busy", "false");
    if (reason.explanation && csrf && box.hasAttribute("data-can-vote")) {
      var group = document.createElement("span");
      group.className = "reason-vote";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Was this reason helpful?");
      [["reason_helpful", "Helpful"], ["reason_unhelpful", "Not helpful"]].forEach(function (choice) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = choice[1];
        button.addEventListener("click", function () { vote(group, reason, choice[0]); });
        group.appendChild(button);
      });
      box.appendChild(group);
    }
  }

  function vote(group, reason, kind) {
    fetch("/api/v1/feedback/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf.content },
      body: JSON.stringify({ item: reason.item, kind: kind, explanation: reason.explanation })
    }).then(function (response) {
      group.textContent = response.ok ? "Thanks for telling us." : "";
    });
  }

  poll(Array.prototype.slice.call(document.querySelectorAll("[data-reason-url]")), 0, 2);
})();
