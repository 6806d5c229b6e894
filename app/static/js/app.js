/* Small behaviours on top of htmx; every page works without this file. */
(function () {
  "use strict";
  // "Tidak" in a confirmation box closes the box instead of reloading the page.
  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest && event.target.closest("[data-dismiss]");
    var box = dismiss && dismiss.closest("details");
    if (!box) return;
    event.preventDefault();
    box.open = false;
    box.querySelector("summary").focus();
  });
  // A live block polls the server; it waits while the tab is hidden, a question is open in it or
  // orders are ticked in it, so a refresh neither spends data in the background nor closes
  // "Batalkan pesanan?" or clears a selection mid-tap. (Here, not in an hx-trigger filter: the
  // page's CSP forbids the eval those filters need.)
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var trigger = elt.getAttribute && elt.getAttribute("hx-trigger");
    if (!trigger || trigger.indexOf("every ") !== 0) return;
    var selector = elt.getAttribute("hx-target");
    var block = (selector && document.querySelector(selector)) || elt;
    if (document.hidden || block.querySelector("details[open], input[type=checkbox]:checked")) {
      event.preventDefault();
    }
  });
  // A boosted page opens at its top (htmx), except that a refused form shows its first error.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.boosted) return;
    var error = document.querySelector("main .flash-error, main .field-error");
    if (error) error.scrollIntoView({ block: "center" });
  });
  // A request that never reached the server (no signal): say so where the person is looking,
  // instead of a button that seems to do nothing. The next answer that arrives clears it.
  // The text comes from the page, in its language (base.html).
  var NO_SIGNAL = document.body.getAttribute("data-no-signal") ||
    "Tidak ada sambungan internet. Periksa data seluler atau Wi-Fi, lalu coba lagi.";
  document.addEventListener("htmx:sendError", function () {
    var notice = document.getElementById("no-signal");
    if (!notice) {
      notice = document.createElement("p");
      notice.id = "no-signal";
      notice.className = "flash flash-error";
      notice.setAttribute("role", "alert");
      notice.textContent = NO_SIGNAL;
      var main = document.querySelector("main") || document.body;
      main.insertBefore(notice, main.firstChild);
    }
    notice.scrollIntoView({ block: "nearest" });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var notice = document.getElementById("no-signal");
    if (notice && event.detail.xhr && event.detail.xhr.status) notice.remove();
  });
  // A table or the board wider than the phone scrolls sideways inside its box; keyboard users can
  // only scroll it if it takes focus, so only the boxes that overflow get a tab stop (WCAG 2.1.1).
  var SCROLLERS = ".table-wrap, .board-columns, .scroll";
  function focusableScrollers(root) {
    if (!root.querySelectorAll) return;
    var boxes = Array.prototype.slice.call(root.querySelectorAll(SCROLLERS));
    if (root.matches && root.matches(SCROLLERS)) boxes.push(root);
    boxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) box.tabIndex = 0;
    });
  }
  document.addEventListener("htmx:load", function (event) { focusableScrollers(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusableScrollers(document); });
  } else {
    focusableScrollers(document);
  }
  // Fault 8: on a phone the board's columns scroll sideways, so an order a step has just moved
  // (the server marks its card data-moved) would land in a column off-screen. Bring that column and
  // the card into view below the step's message, which stays pinned above it, and mark the card
  // briefly so the eye finds it.
  document.addEventListener("htmx:afterSettle", function () {
    var card = document.querySelector("#board [data-moved]");
    if (!card) return;
    card.removeAttribute("data-moved");
    var column = card.closest(".board-col");
    var strip = column && column.parentElement;
    if (strip) strip.scrollLeft += column.getBoundingClientRect().left - strip.getBoundingClientRect().left;
    var topbar = document.querySelector(".topbar");
    var message = document.querySelector("#board > .flash");
    var above = (topbar ? topbar.offsetHeight : 0) + 8;
    if (message) {
      message.classList.add("flash-pinned");
      message.style.top = above - 8 + "px";
      above += message.offsetHeight;
    }
    card.style.scrollMarginTop = above + "px";
    card.scrollIntoView({ block: "nearest", inline: "nearest" });
    card.classList.add("just-moved");
    window.setTimeout(function () { card.classList.remove("just-moved"); }, 2500);
  });
  // Fault 11: the checkout's address block is for delivery only. A block marked data-shown-for="delivery"
  // is hidden for any other choice, and disabled so its fields are neither required nor sent; its
  // data-required fields are required while it shows. Without this the block stays, labelled optional.
  function showChosenBlocks(root) {
    if (!root.querySelectorAll) return;
    Array.prototype.forEach.call(root.querySelectorAll("fieldset[data-shown-for]"), function (block) {
      var chosen = block.form && block.form.querySelector("input[name=fulfilment]:checked");
      var on = !!chosen && chosen.value === block.getAttribute("data-shown-for");
      block.hidden = !on;
      block.disabled = !on;
      Array.prototype.forEach.call(block.querySelectorAll("[data-required]"), function (field) {
        field.required = on;
      });
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "fulfilment" && event.target.form) showChosenBlocks(event.target.form);
  });
  document.addEventListener("htmx:load", function (event) { showChosenBlocks(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { showChosenBlocks(document); });
  } else {
    showChosenBlocks(document);
  }
  // When the network is gone, a page opened or tapped shows a small "no connection" page.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () {});
    });
  }
})();
