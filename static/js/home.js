// webpanel: the browser's time zone, and message badges that follow a Retry.
// Loaded as a file (the CSP allows no inline script).
(function () {
  "use strict";

  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  // A Time zone select of a person who has none yet starts at the browser's zone.
  function presetZones(root) {
    var zone = browserZone();
    if (!zone || !root || !root.querySelectorAll) return;
    root.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
      if (select.querySelector("option[value='" + zone.replace(/'/g, "") + "']")) select.value = zone;
      select.removeAttribute("data-browser-zone");
    });
  }

  // Once, for a person with no time zone: tell the panel the browser's.
  function saveZone() {
    var marker = document.querySelector("[data-save-time-zone]");
    var zone = browserZone();
    if (!marker || !zone || !window.fetch) return;
    var body = new URLSearchParams({ time_zone: zone, csrf_token: csrfToken() });
    fetch(marker.dataset.saveTimeZone, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (response.ok) marker.remove();
    }).catch(function () { /* tried again on the next page */ });
  }

  // After Retry (HX-Trigger "message-status"), every badge of that message says its new status.
  document.addEventListener("message-status", function (event) {
    var detail = event.detail || {};
    document.querySelectorAll("[data-message-badge='" + String(detail.id).replace(/\D/g, "") + "']")
      .forEach(function (badge) {
        badge.textContent = detail.label;
        badge.className = "badge status-" + String(detail.status).replace(/[^a-z_]/g, "");
      });
  });
  document.addEventListener("htmx:afterSwap", function (event) { presetZones(event.detail.target); });
  document.addEventListener("DOMContentLoaded", function () {
    presetZones(document);
    saveZone();
  });
})();
