// ravenwire's keyboard shortcuts. The pages work without this file; it only
// adds keys, and it runs from its own address so the Content-Security-Policy
// can keep `script-src 'self'` with no inline script anywhere.
//
//   j / k      next / previous story card or search hit
//   o, Enter   open the selected one
//   /          focus the search box
//   g then h   go to the front page
//   ?          show or hide the help (the <dialog id="keys-help"> in the layout)
"use strict";
(function () {
  var ITEMS = ".story-card, .hit, .timeline-entry";
  var current = -1;
  var pendingG = 0;

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll(ITEMS));
  }

  function select(step) {
    var list = items();
    if (list.length === 0) return;
    var active = list.indexOf(document.activeElement);
    if (active >= 0) current = active;
    current = Math.max(0, Math.min(list.length - 1, current + step));
    list.forEach(function (item) { item.classList.remove("key-current"); });
    var item = list[current];
    item.classList.add("key-current");
    if (!item.hasAttribute("tabindex")) item.setAttribute("tabindex", "-1");
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }

  function open() {
    var item = items()[current];
    var link = item && item.querySelector("h2 a, h3 a, a");
    if (link) window.location.href = link.href;
  }

  function toggleHelp() {
    var help = document.getElementById("keys-help");
    if (!help || typeof help.showModal !== "function") return;
    if (help.open) help.close(); else help.showModal();
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var help = document.getElementById("keys-help");
    if (help && help.open && event.key !== "?") return;
    var key = event.key;
    if (pendingG && Date.now() - pendingG < 1500 && key === "h") {
      pendingG = 0;
      event.preventDefault();
      window.location.href = "/";
      return;
    }
    pendingG = 0;
    switch (key) {
      case "j": select(1); break;
      case "k": select(-1); break;
      case "o": open(); break;
      case "Enter":
        // A focused link or button opens itself; a selected card opens here.
        if (!event.target.classList || !event.target.classList.contains("key-current")) return;
        open();
        break;
      case "/": {
        var search = document.getElementById("site-search");
        if (!search) return;
        search.focus();
        search.select();
        break;
      }
      case "g": pendingG = Date.now(); break;
      case "?": toggleHelp(); break;
      default: return;
    }
    event.preventDefault();
  });

  // Tell the reader the keys exist, now that they work.
  var hint = document.getElementById("keys-hint");
  if (hint) hint.hidden = false;
})();
