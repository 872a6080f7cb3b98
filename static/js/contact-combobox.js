// A document's Customer (Vendor) list as a combobox (WAI-ARIA 1.2 pattern, list autocomplete):
// type a few letters, pick from the matching customers with the arrow keys and Enter, or pick
// "Add new customer: <what you typed>", which opens the New customer fields with the name
// filled in. The <select> stays in the form, hidden, and is what the form sends; without
// script it is the list itself.
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
    function fill() {
      var typed = input.value.trim(), words = typed.toLowerCase();
      list.textContent = "";
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value || option.value === newValue) return;
        if (words && option.text.toLowerCase().indexOf(words) === -1) return;
        list.appendChild(item(option.value, option.text));
      });
      var exact = Array.prototype.some.call(select.options, function (option) {
        return option.value && option.value !== newValue && option.text.toLowerCase() === words;
      });
      if (!exact) {
        list.appendChild(item(newValue, typed ? "Add new " + kind + ": " + typed : "Add new " + kind + "…"));
      }
      move(-1);
      open(true);
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
        if (list.hidden) fill();
        var last = options().length - 1;
        if (event.key === "ArrowDown") move(active >= last ? 0 : active + 1);
        else move(active <= 0 ? last : active - 1);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();  // choosing is not saving
        choose(options()[active]);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        event.stopPropagation();
        open(false);
      } else if (event.key === "Tab") {
        open(false);
      }
    });
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep focus
    list.addEventListener("click", function (event) {
      var li = event.target.closest("[role=option]");
      if (li) choose(li);
    });
    input.addEventListener("blur", function () { open(false); });
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
