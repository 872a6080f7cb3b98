// A document's Customer (Vendor) list as a combobox (WAI-ARIA 1.2 pattern, list autocomplete):
// type a few letters, pick from the matching customers with the arrow keys and Enter, or pick
// "Add new customer: <what you typed>", which opens the New customer fields with the name
// filled in. The <select> stays in the form, hidden, and is what the form sends; without
// script it is the list itself. When the office has more customers than the page lists, the
// select carries data-choices-url and the box asks the server as the person types (a short
// pause first; only the newest answer is shown); a customer picked from an answer is added to
// the select so the form sends its id.
(function () {
  "use strict";

  function setUp(root) {
    root.querySelectorAll("select[data-contact-choice]:not([data-combobox-ready])").forEach(build);
  }

  function build(select) {
    select.dataset.comboboxReady = "1";
    var newValue = select.dataset.contactChoice;
    var kind = select.dataset.contactKind || "customer";
    var label = select.form.querySelector("label[for='" + select.id + "']");
    var input = document.createElement("input");
    var list = document.createElement("ul");
    input.type = "text";
    input.id = select.id + "-search";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", select.id + "-options");
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    });
    list.id = select.id + "-options";
    list.className = "combobox-options";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    if (label) { label.htmlFor = input.id; list.setAttribute("aria-label", label.textContent); }
    select.hidden = true;
    select.after(input, list);
    input.value = chosenName(select);

    var active = -1;
    function options() { return Array.prototype.slice.call(list.children); }
    function open(show) {
      list.hidden = !show;
      input.setAttribute("aria-expanded", show ? "true" : "false");
      if (!show) { active = -1; input.removeAttribute("aria-activedescendant"); }
    }
    var url = select.dataset.choicesUrl, asked = 0, timer = null, waiting = false, then = null;
    var hint = document.getElementById(select.id + "-hint");
    if (url && hint && select.dataset.searchHint) hint.textContent = select.dataset.searchHint;
    function fill() {
      if (!url) { offer(listed()); return; }
      cancel();
      var typed = input.value.trim();
      waiting = true;
      timer = setTimeout(function () { ask(typed); }, 150);
    }
    function cancel() { clearTimeout(timer); asked += 1; waiting = false; then = null; }
    function ask(typed) {
      var mine = asked;
      fetch(url + "?q=" + encodeURIComponent(typed), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok || response.redirected) throw new Error(response.status);  // signed out
          return response.text();
        })
        .then(function (text) {
          if (mine !== asked) return;  // a newer question is on its way
          waiting = false;
          var answer = new DOMParser().parseFromString("<select>" + text + "</select>", "text/html");
          offer(Array.prototype.map.call(answer.querySelectorAll("option"), pair));
        })
        .catch(function () {  // offline: the page's own list
          if (mine === asked) { waiting = false; offer(listed()); }
        });
    }
    function pair(option) { return { value: option.value, text: option.text }; }
    function listed() {
      var words = input.value.trim().toLowerCase();
      return Array.prototype.filter.call(select.options, function (option) {
        return option.value && option.value !== newValue &&
          (!words || option.text.toLowerCase().indexOf(words) !== -1);
      }).map(pair);
    }
    function offer(matches) {
      var typed = input.value.trim(), words = typed.toLowerCase();
      list.textContent = "";
      matches.forEach(function (match) { list.appendChild(item(match.value, match.text)); });
      var exact = matches.some(function (match) { return match.text.toLowerCase() === words; });
      if (!exact) {
        list.appendChild(item(newValue, typed ? "Add new " + kind + ": " + typed : "Add new " + kind + "…"));
      }
      move(-1);
      open(true);
      if (then) { step(then); then = null; }  // an arrow pressed while the answer was coming
    }
    function step(key) {
      var last = options().length - 1;
      if (key === "ArrowDown") move(active >= last ? 0 : active + 1);
      else move(active <= 0 ? last : active - 1);
    }
    function item(value, text) {
      var li = document.createElement("li");
      li.id = list.id + "-" + list.children.length;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.value = value;
      li.textContent = text;
      return li;
    }
    function move(to) {
      var all = options();
      active = to >= 0 && to < all.length ? to : -1;
      all.forEach(function (li, n) { li.setAttribute("aria-selected", n === active ? "true" : "false"); });
      if (active < 0) { input.removeAttribute("aria-activedescendant"); return; }
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }
    function choose(li) {
      var typed = input.value.trim();
      cancel();
      if (!Array.prototype.some.call(select.options, function (o) { return o.value === li.dataset.value; })) {
        select.add(new Option(li.textContent, li.dataset.value));  // found by the server
      }
      select.value = li.dataset.value;
      open(false);
      if (li.dataset.value === newValue) {
        var name = select.form.querySelector("[name='new_contact-name']");
        if (name && typed) name.value = typed;
        input.value = typed;
        select.dispatchEvent(new Event("change", { bubbles: true }));  // shows the New fields
        var next = select.form.querySelector(typed ? "[name='new_contact-email']" : "[name='new_contact-name']");
        if (next) next.focus();
      } else {
        input.value = li.textContent;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    input.addEventListener("input", function () {
      if (select.value && select.value !== newValue && input.value !== chosenName(select)) select.value = "";
      fill();
    });
    input.addEventListener("focus", function () { if (!input.value) fill(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) {
          fill();
          if (url) { then = event.key; return; }  // the answer opens the list
        }
        step(event.key);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();  // choosing is not saving
        choose(options()[active]);
      } else if (event.key === "Escape" && (!list.hidden || waiting)) {
        event.preventDefault();
        event.stopPropagation();
        cancel();
        open(false);
      } else if (event.key === "Tab") {
        cancel();
        open(false);
      }
    });
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep focus
    list.addEventListener("click", function (event) {
      var li = event.target.closest("[role=option]");
      if (li) choose(li);
    });
    input.addEventListener("blur", function () { cancel(); open(false); });
  }

  function chosenName(select) {
    var option = select.options[select.selectedIndex];
    if (!option || !option.value) return "";
    if (option.value === select.dataset.contactChoice) {
      var name = select.form.querySelector("[name='new_contact-name']");
      return name ? name.value : "";
    }
    return option.text;
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSwap", function (event) { setUp(event.detail.target); });
})();
