// Drag and drop onto the upload form: the dropped files go into its file input, then the form is sent (by htmx
// when it has loaded, else as a plain form). Without this script the file input and the button still work.
document.addEventListener("DOMContentLoaded", function () {
  var month = document.getElementById("thang");
  if (month && month.form) {  // choosing a month shows it (the button stays for a page without scripts)
    month.addEventListener("change", function () { month.form.submit(); });
  }
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "nop-tep" && event.detail.successful) { form.reset(); }  // ready for the next files
  });
  var zone = document.getElementById("vung-tha");
  var input = document.getElementById("tep");
  var form = document.getElementById("nop-tep");
  if (!zone || !input || !form) { return; }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dang-keo"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dang-keo"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
    input.files = event.dataTransfer.files;
    form.requestSubmit();
  });
});
