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
  var dragged = null;

  function showMessage(text, kind) {
    message.textContent = text;
    message.className = "board-message " + (kind || "error");
    message.hidden = false;
  }

  function column(el) { return el && el.closest ? el.closest(".column") : null; }

  // The server renders every figure and label (money, counts, "Show all N", open tasks) with the
  // page's own templates; the script only parses its fragments (inert <template>) and swaps them in.
  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function swap(old, html) {
    var node = fragment(html);
    if (old && node) old.replaceWith(node);
  }

  function placeCard(card, to, result) {
    var name = card.querySelector(".card-title").textContent;
    if (result.card) {
      var fresh = fragment(result.card);
      var cards = to.querySelector(".cards");
      card.remove();
      cards.insertBefore(fresh, cards.firstChild);
    } else {
      card.remove();  // it no longer matches the board's filters
    }
    (result.columns || []).forEach(function (c) {
      var col = board.querySelector('.column[data-stage-id="' + c.stageId + '"]');
      if (!col) return;
      swap(col.querySelector(".column-head"), c.head);
      swap(col.querySelector(".column-foot"), c.foot);
    });
    showMessage(name + " moved to " + result.toStageName + ".", "success");
  }

  function post(card, from, to, extra) {
    var body = new URLSearchParams();
    body.set("stage_id", to.getAttribute("data-stage-id"));
    // Like the "Move to…" form: the board's URL, whose filters the server's totals then follow.
    body.set("return_to", window.location.pathname + window.location.search);
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
        placeCard(card, to, result);
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
