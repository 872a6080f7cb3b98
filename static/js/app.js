// webpanel front-end glue. Loaded as a file (the CSP allows no inline script).
// Dialogs, tab state, SMTP form helpers, Send later's quick choices and a toast for errors
// htmx does not swap.
(function () {
  "use strict";

  function openDialogs(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("dialog[data-modal]:not([open])").forEach(function (dialog) {
      dialog.addEventListener("close", function () { dialog.remove(); });
      dialog.addEventListener("cancel", function (event) {
        if (event.target !== dialog || !dialog.dataset.confirmDiscard || !hasUnsentWork(dialog)) return;
        event.preventDefault();
        closeOrAsk(dialog);
      });
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

  // Tabs (WAI-ARIA tabs pattern, manual activation: each panel comes from the server).
  // Only the selected tab is in the Tab order; arrow keys, Home and End move between tabs;
  // Enter or Space opens the focused one.
  function rovingTabindex(tablist) {
    tablist.querySelectorAll("[role=tab]").forEach(function (tab) {
      tab.tabIndex = tab.getAttribute("aria-selected") === "true" ? 0 : -1;
    });
  }

  function syncTabs() {
    var body = document.querySelector("#tab-panel .tab-body");
    if (!body) return;
    document.querySelectorAll("[role=tab]").forEach(function (tab) {
      tab.setAttribute("aria-selected", tab.id === "tab-" + body.dataset.tab ? "true" : "false");
    });
    document.querySelectorAll("[role=tablist]").forEach(rovingTabindex);
    document.getElementById("tab-panel").setAttribute("aria-labelledby", "tab-" + body.dataset.tab);
    if (body.dataset.title) document.title = body.dataset.title + " · Email settings · webpanel";
  }

  function tabKey(event) {
    var tab = event.target.closest && event.target.closest("[role=tab]");
    var list = tab && tab.closest("[role=tablist]");
    if (!list || event.altKey || event.ctrlKey || event.metaKey) return;
    var tabs = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
    var index = tabs.indexOf(tab), next = null;
    if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
    else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
    else if (event.key === "Home") next = tabs[0];
    else if (event.key === "End") next = tabs[tabs.length - 1];
    else if (event.key === " ") { event.preventDefault(); tab.click(); return; }
    if (!next) return;
    event.preventDefault();
    next.focus();
  }

  // The main menu folds behind its button on a phone (CSS decides when the button shows).
  function setUpMenu() {
    var toggle = document.querySelector("[data-menu-toggle]");
    if (!toggle) return;
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.hidden = false;
    toggle.closest(".topbar").classList.add("collapsible");
    toggle.addEventListener("click", function () { showMenu(toggle, menu, !menu.classList.contains("open")); });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) { showMenu(toggle, menu, false); toggle.focus(); }
    });
  }

  // The Office menu (a <details>): Escape closes it and gives the focus back to its summary;
  // so does a click or the focus going anywhere outside it.
  function setUpSubmenus() {
    document.querySelectorAll("[data-submenu]").forEach(function (submenu) {
      submenu.addEventListener("keydown", function (event) {
        if (event.key !== "Escape" || !submenu.open) return;
        event.stopPropagation();
        submenu.open = false;
        submenu.querySelector("summary").focus();
      });
      submenu.addEventListener("focusout", function (event) {
        if (event.relatedTarget && !submenu.contains(event.relatedTarget)) submenu.open = false;
      });
      document.addEventListener("click", function (event) {
        if (submenu.open && !submenu.contains(event.target)) submenu.open = false;
      });
    });
  }

  function showMenu(toggle, menu, open) {
    menu.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  // Closing a dialog marked data-confirm-discard after typing in its form asks first,
  // in the small dialog its value names ("Keep editing" or "Discard"). Only while the form
  // named by data-unsent-form is still there: once a send's result has replaced it (sent,
  // failed, handed off), the message is kept in Sent mail and closing just closes, even if
  // the result holds a form of its own (Retry, Retry copy).
  function hasUnsentWork(dialog) {
    var unsent = dialog.dataset.unsentForm && dialog.querySelector(dialog.dataset.unsentForm);
    return dialog.dataset.dirty === "1" && !!unsent;
  }

  function closeOrAsk(dialog) {
    var confirm = dialog.dataset.confirmDiscard && dialog.querySelector(dialog.dataset.confirmDiscard);
    if (!confirm || !hasUnsentWork(dialog)) { dialog.close(); return; }
    if (!confirm.open) confirm.showModal();
  }

  function discardClick(button) {
    var confirm = button.closest("dialog");
    confirm.close();
    if (button.hasAttribute("data-discard")) confirm.parentElement.closest("dialog").close();
  }

  // A notice swapped in with its form (role=status, text only) is emptied and filled again a
  // moment later, so screen readers announce it; the form around it is not a live region.
  function announce(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[role=status]").forEach(function (notice) {
      if (notice.children.length || !notice.textContent.trim()) return;
      var text = notice.textContent;
      notice.textContent = "";
      window.setTimeout(function () { notice.textContent = text; }, 150);
    });
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
    // One note per way of sending that does not use these fields (webpanel.sending).
    var notNeeded = false;
    fields.querySelectorAll(".not-needed-note").forEach(function (note) {
      note.hidden = note.dataset.method !== radio.value;
      notNeeded = notNeeded || !note.hidden;
    });
    fields.classList.toggle("not-needed", notNeeded);
  }

  // Email templates: an Insert button puts its placeholder where the cursor was in the
  // Subject or Body last used, and the preview follows (an input event). The buttons are one
  // toolbar (WAI-ARIA toolbar pattern): one Tab stop, arrow keys, Home and End move in it,
  // and the button last used keeps the Tab stop.
  var lastField = null;
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-placeholder-target]")) lastField = event.target;
  });
  function insertPlaceholder(button) {
    var field = lastField && document.body.contains(lastField) ? lastField
      : document.querySelector("[data-placeholder-target]");
    if (!field) return;
    var toolbar = button.closest("[data-toolbar]");
    if (toolbar) moveToolbarStop(toolbar, button);
    var start = field.selectionStart, end = field.selectionEnd;
    field.setRangeText(button.dataset.insert, start, end, "end");
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function moveToolbarStop(toolbar, button) {
    toolbar.querySelectorAll("button").forEach(function (b) { b.tabIndex = b === button ? 0 : -1; });
  }

  function toolbarKey(event) {
    var toolbar = event.target.closest && event.target.closest("[data-toolbar]");
    if (!toolbar || event.altKey || event.ctrlKey || event.metaKey) return;
    var buttons = Array.prototype.slice.call(toolbar.querySelectorAll("button"));
    var index = buttons.indexOf(event.target), next = null;
    if (index < 0) return;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = buttons[(index + 1) % buttons.length];
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = buttons[(index - 1 + buttons.length) % buttons.length];
    else if (event.key === "Home") next = buttons[0];
    else if (event.key === "End") next = buttons[buttons.length - 1];
    if (!next) return;
    event.preventDefault();
    moveToolbarStop(toolbar, next);
    next.focus();
  }

  // Send later: a quick choice ("Tomorrow 8:00") fills the date and time beside it. The
  // buttons need this script, so they show only once it runs (so do the Insert buttons).
  function showQuickTimes(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-quick-times][hidden], [data-needs-script][hidden]")
      .forEach(function (group) { group.hidden = false; });
  }

  function fillTime(button) {
    var fields = button.closest("[data-send-later]");
    if (!fields) return;
    [["[data-later-date]", button.dataset.fillDate], ["[data-later-time]", button.dataset.fillTime]]
      .forEach(function (pair) {
        var input = fields.querySelector(pair[0]);
        if (!input) return;
        input.value = pair[1];
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
  }

  // A document's "Add new customer…": its fields show only while it is chosen (without script
  // they always show, with a hint), and choosing it takes the focus to the new name.
  function showNewContact(root, focus) {
    root.querySelectorAll("[data-contact-choice]").forEach(function (select) {
      var box = select.form && select.form.querySelector("[data-new-contact]");
      if (!box) return;
      var adding = select.value === select.dataset.contactChoice;
      box.hidden = !adding;
      box.querySelectorAll("[data-no-script-hint]").forEach(function (hint) { hint.hidden = true; });
      if (adding && focus) box.querySelector("input").focus();
    });
  }

  // Email selected: "Select all on this page" ticks every row's box (mixed while only some
  // are), and the count of selected documents, a status region, is announced.
  function rowBoxes(form) {
    return Array.prototype.slice.call(document.querySelectorAll("input[data-pick][form='" + form.id + "']"));
  }

  function countPicked(form) {
    var boxes = rowBoxes(form);
    var picked = boxes.filter(function (box) { return box.checked; }).length;
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = picked > 0 && picked === boxes.length;
      all.indeterminate = picked > 0 && picked < boxes.length;
    }
    // outside the results (their swaps would announce it again): one per list page
    var count = document.querySelector("[data-selected-count]");
    if (count) count.textContent = picked ? picked + " selected" : "None selected";
  }

  // When an Email selected batch ends (HX-Trigger "documents-emailed"), the list behind the
  // dialog (as its address now says: search, page) reloads, so each row's status follows.
  document.addEventListener("documents-emailed", function () {
    if (!document.getElementById("results") || !window.htmx) return;
    window.htmx.ajax("GET", window.location.pathname + window.location.search,
                     { target: "#results", swap: "innerHTML" });
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-select-all]")) {
      rowBoxes(input.form).forEach(function (box) { box.checked = input.checked; });
      countPicked(input.form);
    } else if (input.matches && input.matches("input[data-pick]") && input.form) {
      countPicked(input.form);
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-contact-choice]")) {
      showNewContact(event.target.form, true);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!document.body.contains(target)) {
      // Replaced whole (a send's result polling for its outcome): follow it by its id, and
      // give it the focus only if the swap took the focus away, so nobody loses their place.
      target = target.id && document.getElementById(target.id);
      if (!target) return;
      if (document.activeElement && document.activeElement !== document.body) return;
    }
    showQuickTimes(target);
    showNewContact(target, false);
    var picks = target.querySelector && target.querySelector("#bulk-form");
    if (target.id === "results") {  // a new page of the list: nothing on it is ticked yet
      if (picks) countPicked(picks);
      else document.querySelectorAll("[data-selected-count]").forEach(function (c) { c.textContent = "None selected"; });
    }
    openDialogs(target);
    announce(target);
    focusResult(target);
    startDownloads(target);
  });
  document.addEventListener("htmx:afterSettle", syncTabs);
  document.addEventListener("htmx:historyRestore", syncTabs);
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer && closer.closest("dialog")) closeOrAsk(closer.closest("dialog"));
    var discard = event.target.closest("[data-discard], [data-keep-editing]");
    if (discard) discardClick(discard);
    var placeholder = event.target.closest("[data-insert]");
    if (placeholder) insertPlaceholder(placeholder);
    var quick = event.target.closest("[data-fill-date]");
    if (quick) fillTime(quick);
  });
  document.addEventListener("keydown", tabKey);
  document.addEventListener("keydown", toolbarKey);
  document.addEventListener("input", markDirty);
  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    setUpSubmenus();
    showNewContact(document.body, false);
    showQuickTimes(document.body);
    document.querySelectorAll("[role=tablist]").forEach(rovingTabindex);
    startDownloads(document.body);  // a draft made on the Email page (sent without htmx)
    focusFix();
  });
  // "Open SMTP settings" after a failure names the field to fix (#smtp_username), or a radio
  // group (#smtp_security: its chosen option), or the sign-in button (#sign-in): focus it.
  function focusFix() {
    var name = window.location.hash.slice(1);
    if (!/^[\w-]+$/.test(name)) return;
    var target = document.getElementById(name) ||
      document.querySelector("input[name='" + name + "']:checked") ||
      document.querySelector("input[name='" + name + "']");
    if (target && target.matches("input, select, textarea, button")) target.focus();
  }
  function markDirty(event) {
    var dialog = event.target.closest && event.target.closest("dialog[data-confirm-discard]");
    if (dialog && event.target.form) dialog.dataset.dirty = "1";
  }
  document.addEventListener("change", function (event) {
    markDirty(event);
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
