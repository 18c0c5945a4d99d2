// Leadboard pipeline board: HTML5 drag and drop that posts the same /leads/{id}/move form as the
// no-JavaScript "Move to…" control. The server decides; a refused card simply stays where it was.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";
  var message = document.getElementById("board-message");
  var dialog = document.getElementById("move-dialog");
  var money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  var dragged = null;

  function showMessage(text, kind) {
    message.textContent = text;
    message.className = "board-message " + (kind || "error");
    message.hidden = false;
  }

  function column(el) { return el && el.closest ? el.closest(".column") : null; }

  function adjust(col, countDelta, centsDelta) {
    var count = col.querySelector(".count");
    var sum = col.querySelector(".sum");
    var n = parseInt(count.getAttribute("data-count"), 10) + countDelta;
    var cents = parseInt(sum.getAttribute("data-sum-cents"), 10) + centsDelta;
    count.setAttribute("data-count", String(n));
    count.textContent = n.toLocaleString("en-US");
    sum.setAttribute("data-sum-cents", String(cents));
    sum.textContent = money.format(cents / 100);
    var empty = col.querySelector(".empty-column");
    if (empty) empty.hidden = n > 0;
    var showAll = col.querySelector(".show-all");
    if (showAll) showAll.textContent = "Show all " + n.toLocaleString("en-US");
  }

  function rebuildTargets(card, targets) {
    card.setAttribute("data-allowed", targets.map(function (t) { return t.id; }).join(" "));
    var details = card.querySelector("details.move-to");
    var select = card.querySelector("select[name=stage_id]");
    if (!select || !details) return;
    while (select.firstChild) select.removeChild(select.firstChild);
    targets.forEach(function (t) {
      var option = document.createElement("option");
      option.value = String(t.id);
      option.textContent = t.name;
      select.appendChild(option);
    });
    details.hidden = targets.length === 0;
    details.open = false;
  }

  function placeCard(card, from, to, result) {
    var cents = parseInt(card.getAttribute("data-value-cents"), 10) || 0;
    to.querySelector(".cards").insertBefore(card, to.querySelector(".cards").firstChild);
    adjust(from, -1, -cents);
    adjust(to, 1, cents);
    var days = card.querySelector(".days");
    if (days) days.textContent = "0 days in stage";
    var tasks = card.querySelector(".open-tasks");
    if (tasks && typeof result.openTasks === "number") {
      tasks.textContent = result.openTasks === 1 ? "1 open task" : result.openTasks + " open tasks";
      tasks.hidden = result.openTasks === 0;
    }
    if (result.targets) rebuildTargets(card, result.targets);
    showMessage(card.querySelector(".card-title").textContent + " moved to " + result.toStageName + ".", "success");
  }

  function post(card, from, to, extra) {
    var body = new URLSearchParams();
    body.set("stage_id", to.getAttribute("data-stage-id"));
    Object.keys(extra || {}).forEach(function (k) { body.set(k, extra[k]); });
    card.classList.add("pending");
    return fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "X-CSRF-Token": token
      },
      body: body.toString()
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, error: "The server answered " + response.status + ". Reload the page and try again." };
      });
    }).then(function (result) {
      card.classList.remove("pending");
      if (result.ok) {
        placeCard(card, from, to, result);
      } else if (result.needs) {
        askForMore(card, from, to, result);
      } else {
        showMessage(result.error || "The move was refused.", "error");
      }
    }).catch(function () {
      card.classList.remove("pending");
      showMessage("Could not reach the server. The card was not moved.", "error");
    });
  }

  function askForMore(card, from, to, result) {
    var needsLost = result.needs === "lost_reason";
    document.getElementById("move-dialog-reason").textContent = result.error;
    document.getElementById("move-dialog-lost").hidden = !needsLost;
    document.getElementById("move-dialog-override").hidden = needsLost;
    var lost = document.getElementById("dialog-lost-reason");
    var comment = document.getElementById("dialog-comment");
    var override = document.getElementById("dialog-override");
    lost.value = ""; comment.value = ""; override.checked = false;
    lost.required = needsLost;
    comment.required = !needsLost;
    override.required = !needsLost;
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue !== "confirm") {
        showMessage("Move cancelled: " + result.error, "error");
        return;
      }
      var extra = needsLost ? { lost_reason: lost.value } : { comment: comment.value, override: "1" };
      post(card, from, to, extra);
    };
    dialog.showModal();
    (needsLost ? lost : override).focus();
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".lead-card") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-lead-id"));
    var allowed = (card.getAttribute("data-allowed") || "").split(" ");
    board.querySelectorAll(".column").forEach(function (col) {
      if (col === column(card)) return;
      col.classList.add(allowed.indexOf(col.getAttribute("data-stage-id")) >= 0 ? "drop-allowed" : "drop-blocked");
    });
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    board.querySelectorAll(".column").forEach(function (col) {
      col.classList.remove("drop-allowed", "drop-blocked", "drop-over");
    });
  });

  board.addEventListener("dragover", function (event) {
    var col = column(event.target);
    if (!col || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    col.classList.add("drop-over");
  });

  board.addEventListener("dragleave", function (event) {
    var col = column(event.target);
    if (col && !col.contains(event.relatedTarget)) col.classList.remove("drop-over");
  });

  board.addEventListener("drop", function (event) {
    var to = column(event.target);
    if (!to || !dragged) return;
    event.preventDefault();
    var card = dragged;
    var from = column(card);
    if (to === from) return;
    post(card, from, to, {});
  });

  dialog.querySelector("form").addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.value === "cancel") {
      event.preventDefault();
      dialog.close("cancel");
    }
  });
})();
