// The job page: poll the job's progress (a small JSON view) and add the results as they come,
// without reloading the page. A file, not an inline script, so the Content-Security-Policy allows it.
(function () {
  "use strict";

  function text(parent, selector, value) {
    var node = parent.querySelector(selector);
    if (node) node.textContent = value;
  }

  function cell(row, value, help) {
    var td = document.createElement("td");
    td.textContent = value;
    if (help) {
      var span = document.createElement("span");
      span.className = "help";
      span.textContent = help;
      td.appendChild(document.createTextNode(" "));
      td.appendChild(span);
    }
    row.appendChild(td);
  }

  function start(root) {
    var url = root.getAttribute("data-progress-url");
    var body = root.querySelector("[data-testid=job-results] tbody");
    var bar = root.querySelector("[data-testid=job-progress]");
    // Results arrive in the order users finish; the server says from where to ask next.
    var last = 0;

    function show(data) {
      var total = data.total;
      bar.max = total || 1;
      bar.value = data.finished;
      bar.textContent = data.finished + " of " + total;
      text(root, "[data-testid=job-percent]", total ? Math.floor((100 * data.finished) / total) : 0);
      text(root, "[data-testid=job-outcome]", data.outcome);
      text(root, "[data-testid=job-state]", data.state_words);
      if (data.expanded) {
        var counting = root.querySelector("[data-testid=job-counting]");
        if (counting) counting.remove();
      }
      if (data.download_url) {
        var download = root.querySelector("[data-testid=job-download]");
        download.querySelector("a").setAttribute("href", data.download_url);
        download.hidden = false;
      }
      if (!body) return data;
      data.items.forEach(function (item) {
        if (body.querySelector('tr[data-item="' + item.id + '"]')) return;
        var row = document.createElement("tr");
        row.setAttribute("data-item", item.id);
        row.className = "job-" + item.state;
        cell(row, item.email, item.email !== item.username ? item.username : "");
        cell(row, item.state_words);
        cell(row, item.message);
        body.appendChild(row);
      });
      last = data.next_after;
      return data;
    }

    function poll() {
      var from = last;
      fetch(url + "?after=" + last, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(show)
        .then(function (data) {
          // More results than one answer carries: ask again at once.
          if (data.items.length >= 200 && last > from) return poll();
          if (data.over) {
            var cancel = root.querySelector("[data-testid=job-cancel]");
            if (cancel) cancel.closest("form").remove();
            root.setAttribute("data-over", "1");
            return;
          }
          window.setTimeout(poll, 1000);
        })
        .catch(function () {
          window.setTimeout(poll, 5000);
        });
    }

    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector(".cognito-job[data-progress-url]");
    if (root) start(root);
  });
})();
