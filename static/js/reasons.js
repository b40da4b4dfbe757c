// Reasons load after the page: each [data-reason-url] element asks the explanations API (with the
// session), shows "Finding a reason..." while it is written (202 + Retry-After), then the text and
// "Helpful" / "Not helpful" buttons for signed-in users. A failure shows nothing alarming: the recommendation stands alone.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');

  function load(box, attempt) {
    fetch(box.dataset.reasonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 202 && attempt < 30) {
          var wait = parseInt(response.headers.get("Retry-After") || "2", 10);
          setTimeout(function () { load(box, attempt + 1); }, Math.min(wait, 5) * 1000);
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (reason) {
        if (reason && reason.status === "ready") { show(box, reason); }
        else if (reason === null && attempt >= 30) { box.textContent = ""; }
      })
      .catch(function () { box.textContent = ""; });
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

  document.querySelectorAll("[data-reason-url]").forEach(function (box) { load(box, 0); });
})();
