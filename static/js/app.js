// webpanel front-end glue. Loaded as a file (the CSP allows no inline script).
// Dialogs, tab state, SMTP form helpers and a toast for errors htmx does not swap.
(function () {
  "use strict";

  function openDialogs(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("dialog[data-modal]:not([open])").forEach(function (dialog) {
      dialog.addEventListener("close", function () { dialog.remove(); });
      dialog.showModal();
      var first = dialog.querySelector("input, textarea, select, button");
      if (first) first.focus();
    });
  }

  function startDownloads(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("a[data-auto-download]").forEach(function (link) {
      link.removeAttribute("data-auto-download");
      link.click();
    });
  }

  function focusResult(root) {
    var target = root && root.querySelector && root.querySelector("[data-focus]");
    if (target) target.focus();
  }

  function syncTabs() {
    var body = document.querySelector("#tab-panel .tab-body");
    if (!body) return;
    document.querySelectorAll("[role=tab]").forEach(function (tab) {
      tab.setAttribute("aria-selected", tab.id === "tab-" + body.dataset.tab ? "true" : "false");
    });
    if (body.dataset.title) document.title = body.dataset.title + " · Email settings · webpanel";
  }

  function showToast(message) {
    var toast = document.getElementById("toast");
    if (!toast) return;
    toast.textContent = message;
    toast.hidden = false;
    window.clearTimeout(showToast.timer);
    showToast.timer = window.setTimeout(function () { toast.hidden = true; }, 8000);
  }

  function suggestPort(radio) {
    var form = radio.form;
    var port = form && form.querySelector("input[name=smtp_port]");
    if (!port) return;
    var previous = form.querySelector("input[name=smtp_security][value=" + form.dataset.security + "]");
    var previousDefault = previous ? previous.dataset.defaultPort : null;
    if (!port.value || port.value === previousDefault) port.value = radio.dataset.defaultPort;
    form.dataset.security = radio.value;
  }

  function markNotNeeded(radio) {
    var fields = radio.form && radio.form.querySelector("[data-smtp-fields]");
    if (!fields) return;
    var client = radio.value === "client";
    fields.classList.toggle("not-needed", client);
    fields.querySelector(".not-needed-note").hidden = !client;
  }

  // Email templates: a placeholder button inserts its text where the cursor was in the
  // Subject or Body last used, and the preview follows (an input event).
  var lastField = null;
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-placeholder-target]")) lastField = event.target;
  });
  function insertPlaceholder(button) {
    var field = lastField && document.body.contains(lastField) ? lastField
      : document.querySelector("[data-placeholder-target]");
    if (!field) return;
    var start = field.selectionStart, end = field.selectionEnd;
    field.setRangeText(button.dataset.insert, start, end, "end");
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    openDialogs(event.detail.target);
    focusResult(event.detail.target);
    startDownloads(event.detail.target);
  });
  document.addEventListener("htmx:afterSettle", syncTabs);
  document.addEventListener("htmx:historyRestore", syncTabs);
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer && closer.closest("dialog")) closer.closest("dialog").close();
    var placeholder = event.target.closest("[data-insert]");
    if (placeholder) insertPlaceholder(placeholder);
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name === "smtp_security" && input.dataset.defaultPort) suggestPort(input);
    if (input.name === "send_using") markNotNeeded(input);
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "The panel could not do that (error " + xhr.status + "). Reload the page and try again.";
    // An inert document: nothing in the response can run or load.
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var message = doc.querySelector(".error-box");
    if (message) text = message.textContent.replace(/\s+/g, " ").trim();
    showToast(text);
  });
  document.addEventListener("htmx:sendError", function () {
    showToast("The panel did not answer. Check that it is running and your network, then try again.");
  });
})();
