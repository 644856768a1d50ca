// Show each <time data-local datetime="..."> in the viewer's own time zone.
// Without JavaScript the server's UTC text stays, marked "UTC".
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  document.querySelectorAll("time[data-local][datetime]").forEach(function (element) {
    var when = new Date(element.getAttribute("datetime"));
    if (!isNaN(when.getTime())) {
      element.title = element.textContent;
      element.textContent = format.format(when);
    }
  });
})();
