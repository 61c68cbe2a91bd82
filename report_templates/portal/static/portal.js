// Progressive enhancement of the upload form: a size check before sending, and progress while sending. Without
// this file the form posts as a plain HTML form and the server does the same checks.
(function () {
  "use strict";
  var form = document.querySelector("form.upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var input = form.querySelector("input[type=file]");
  var bar = form.querySelector("progress");
  var text = form.querySelector(".progress-text");
  var button = form.querySelector("button[type=submit]");
  var max = parseInt(form.getAttribute("data-max"), 10);
  var vi = document.documentElement.lang === "vi";

  function say(message, bad) {
    text.textContent = message;
    text.className = "progress-text" + (bad ? " bad" : "");
  }
  function size(n) {
    var mb = (n / (1024 * 1024)).toFixed(1);
    return (vi ? mb.replace(".", ",") : mb) + " MB";
  }
  function tooBig(file) {
    return form.getAttribute("data-too-big").replace("{name}", file.name).replace("{size}", size(file.size))
      .replace("{limit}", size(max));
  }
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (file && file.size > max) { say(tooBig(file), true); } else { say(""); }
  });
  form.addEventListener("submit", function (event) {
    var file = input.files && input.files[0];
    if (!file) { return; }
    event.preventDefault();
    if (file.size > max) { say(tooBig(file), true); return; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.responseType = "document";
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) { return; }
      var pct = Math.round(100 * e.loaded / e.total);
      bar.value = pct;
      say(pct < 100 ? form.getAttribute("data-sending").replace("{pct}", pct) : form.getAttribute("data-checking"));
    };
    xhr.onload = function () {
      var doc = xhr.response;
      if (xhr.status === 200 && xhr.responseURL && xhr.responseURL.indexOf("/file/") > 0) {
        window.location.assign(xhr.responseURL);  // the result page (the server answered with a redirect)
      } else if (doc && doc.documentElement) {
        // A page that explains a refusal: show it as the plain form would have.
        document.replaceChild(document.importNode(doc.documentElement, true), document.documentElement);
      } else {
        say(form.getAttribute("data-failed"), true);
        button.disabled = false;
      }
    };
    xhr.onerror = function () {
      say(form.getAttribute("data-failed"), true);
      button.disabled = false;
      bar.hidden = true;
    };
    bar.hidden = false;
    button.disabled = true;
    say(form.getAttribute("data-sending").replace("{pct}", "0"));
    xhr.send(new FormData(form));
  });
})();
