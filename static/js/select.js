// The users list: "Select every user on this page" ticks each row's box. A file, not an inline
// script, so the Content-Security-Policy allows it.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var all = document.querySelector("[data-select-page]");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll("#result_list input[name=username]").forEach(function (box) {
      box.checked = all.checked;
    });
  });
});
