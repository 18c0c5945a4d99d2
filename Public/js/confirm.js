// Leadboard confirmations: destructive actions ask in a native <dialog> before their POST is sent.
// Without JavaScript the same question is a page: a Delete/Remove link opens the server's
// confirmation page, and a deactivating edit form (it carries ask_confirm=1) is answered with one.
//
//   <a href="(confirmation page)" data-confirm="Question?" data-confirm-detail="…"
//      data-confirm-button="Delete lead" data-confirm-action="(POST url)" data-csrf="…">
//     Confirm posts a form to data-confirm-action with the CSRF token.
//   <form data-confirm-when-unchecked="active" data-confirm="…" …>
//     Asks only when that checkbox was ticked when the page loaded and is unticked now; Confirm
//     submits the form itself with confirm=1, so the server does not ask again.
(function () {
  "use strict";
  var dialog, title, detail, confirmButton, cancelButton, dialogForm, csrfInput;
  var pending = null;  // the form to submit on Confirm (deactivations), or null (links)
  var opener = null;   // where focus returns when the dialog closes

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.id = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-detail");

    dialogForm = document.createElement("form");
    dialogForm.method = "post";
    dialogForm.className = "stack";

    title = document.createElement("h2");
    title.id = "confirm-dialog-title";
    detail = document.createElement("p");
    detail.id = "confirm-dialog-detail";

    csrfInput = document.createElement("input");
    csrfInput.type = "hidden";
    csrfInput.name = "_csrf";

    var buttons = document.createElement("div");
    buttons.className = "actions";
    confirmButton = document.createElement("button");
    confirmButton.type = "submit";
    confirmButton.className = "danger";
    cancelButton = document.createElement("button");
    cancelButton.type = "button";
    cancelButton.textContent = "Cancel";
    buttons.appendChild(confirmButton);
    buttons.appendChild(cancelButton);

    dialogForm.appendChild(title);
    dialogForm.appendChild(detail);
    dialogForm.appendChild(csrfInput);
    dialogForm.appendChild(buttons);
    dialog.appendChild(dialogForm);
    document.body.appendChild(dialog);

    cancelButton.addEventListener("click", function () { dialog.close(); });
    // Escape fires "cancel" and closes the dialog natively; either way focus goes back.
    dialog.addEventListener("close", function () {
      var target = opener;
      pending = null;
      opener = null;
      if (target && document.contains(target)) target.focus();
    });
    dialogForm.addEventListener("submit", function (event) {
      if (!pending) return;  // a link's action: the dialog's own form posts it
      event.preventDefault();
      var form = pending;
      var confirmed = form.querySelector('input[name="confirm"]');
      if (!confirmed) {
        confirmed = document.createElement("input");
        confirmed.type = "hidden";
        confirmed.name = "confirm";
        form.appendChild(confirmed);
      }
      confirmed.value = "1";
      opener = null;
      dialog.close();
      form.submit();
    });
  }

  function ask(source, returnFocusTo) {
    if (!dialog) build();
    title.textContent = source.getAttribute("data-confirm");
    detail.textContent = source.getAttribute("data-confirm-detail") || "";
    confirmButton.textContent = source.getAttribute("data-confirm-button") || "Confirm";
    opener = returnFocusTo;
    dialog.showModal();
    // The safe choice has focus first: Enter or Space on it changes nothing.
    cancelButton.focus();
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest("a[data-confirm][data-confirm-action]") : null;
    if (!link) return;
    event.preventDefault();
    ask(link, link);
    pending = null;
    dialogForm.action = link.getAttribute("data-confirm-action");
    csrfInput.value = link.getAttribute("data-csrf") || "";
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches || !form.matches("form[data-confirm][data-confirm-when-unchecked]")) return;
    var box = form.querySelector('input[type="checkbox"][name="' + form.getAttribute("data-confirm-when-unchecked") + '"]');
    if (!box || !box.defaultChecked || box.checked) return;
    var confirmed = form.querySelector('input[name="confirm"]');
    if (confirmed && confirmed.value === "1") return;
    event.preventDefault();
    var submitter = event.submitter || form.querySelector('[type="submit"]');
    ask(form, submitter);
    pending = form;
  });
})();
