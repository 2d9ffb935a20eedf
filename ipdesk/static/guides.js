// The intake form's link to the chosen country's guides: rewritten as the country menu changes. The links are
// written as text nodes and attributes, never as HTML.
(function () {
  "use strict";
  var box = document.getElementById("country-guides");
  var menu = document.getElementById("country_code");
  if (!box || !menu || menu.type === "hidden") {
    return;
  }
  var guides = JSON.parse(box.getAttribute("data-guides") || "{}");
  menu.addEventListener("change", function () {
    var links = guides[menu.value] || [];
    box.replaceChildren();
    if (!links.length) {
      return;
    }
    var label = document.createElement("span");
    label.textContent = box.getAttribute("data-label");
    box.appendChild(label);
    links.forEach(function (pair) {
      var link = document.createElement("a");
      link.textContent = pair[0];
      link.href = pair[1];
      link.target = "_blank";
      link.rel = "noopener";
      box.appendChild(document.createTextNode(" "));
      box.appendChild(link);
    });
  });
})();
