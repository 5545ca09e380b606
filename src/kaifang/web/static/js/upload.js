// Resource upload with progress: XMLHttpRequest shows the transfer, then the ingest job is
// polled until it finishes and its report is shown. Without this file the form posts as is.
(function () {
  "use strict";
  const form = document.querySelector("form[data-upload]");
  if (!form) return;
  const box = document.querySelector("[data-upload-progress]");
  const bar = box.querySelector("progress");
  const label = box.querySelector("[data-upload-label]");
  const report = document.querySelector("[data-upload-report]");
  const POLL_MS = 1000;

  function say(key, n) { return (form.dataset["msg" + key] || "").replace("{n}", n); }

  function progress(key, percent) {
    box.hidden = false;
    bar.value = percent;
    label.textContent = say(key, Math.round(percent));
  }

  function jobId(data) {
    if (!data) return null;
    return data.job_id || (data.job && data.job.id) || null;
  }

  function entry(list, name, value) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = typeof value === "object" ? JSON.stringify(value) : String(value);
    list.append(dt, dd);
  }

  function showReport(title, data, ok) {
    const heading = document.createElement("p");
    heading.className = "alert " + (ok ? "alert-ok" : "alert-error");
    heading.textContent = title;
    const list = document.createElement("dl");
    list.className = "meta-list";
    Object.keys(data || {}).forEach(function (k) {
      if (data[k] !== null && data[k] !== "") entry(list, k, data[k]);
    });
    report.replaceChildren(heading, list);
    if (ok) {
      const back = document.createElement("a");
      back.href = form.dataset.datasetUrl;
      back.className = "button button-secondary";
      back.textContent = say("Back");
      report.appendChild(back);
    }
  }

  async function poll(id) {
    try {
      const response = await fetch(form.dataset.jobsUrl + encodeURIComponent(id), { headers: { accept: "application/json" } });
      const job = await response.json();
      if (!response.ok) { showReport(say("Failed"), job.error || job, false); return; }
      const fraction = job.progress > 1 ? job.progress / 100 : job.progress || 0;
      progress("Processing", 100 * fraction);
      if (job.status === "succeeded") { progress("Processing", 100); showReport(say("Done"), (job.result && job.result.report) || job.result, true); return; }
      if (job.status === "failed") { showReport(say("Failed"), { error: job.error, message: job.progress_message }, false); return; }
      setTimeout(function () { poll(id); }, POLL_MS);
    } catch (e) {
      showReport(say("Network"), null, false);
    }
  }

  function finished(xhr) {
    let data = null;
    try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
    if (xhr.status < 200 || xhr.status >= 300) {
      showReport(say("Failed"), data && data.error ? data.error : { status: xhr.status }, false);
      return;
    }
    const id = jobId(data);
    if (id) { progress("Processing", 0); poll(id); } else showReport(say("Done"), data, true);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("accept", "application/json");
    xhr.setRequestHeader("x-csrf-token", form.elements.namedItem("csrf_token").value);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) progress("Uploading", (100 * e.loaded) / e.total);
    });
    xhr.addEventListener("load", function () { finished(xhr); });
    xhr.addEventListener("error", function () { showReport(say("Network"), null, false); });
    report.replaceChildren();
    progress("Uploading", 0);
    xhr.send(new FormData(form));
  });
})();
