// Re-checks the team rules as members or the lead change, without leaving the page.
// Progressive: without JavaScript the "Check the rules" button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-team-check]");
  var panel = document.getElementById("team-rules");
  if (!form || !panel || !window.fetch) { return; }
  var pending = null;

  function check() {
    var data = new FormData(form);
    data.set("action", "check");
    if (pending) { pending.abort(); }
    pending = new AbortController();
    // form.action would be the buttons named "action": read the attribute.
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
      signal: pending.signal
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) { panel.innerHTML = html; }
    }).catch(function () { /* offline or aborted: the button still works */ });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "members" || event.target.name === "lead") { check(); }
  });
}());
