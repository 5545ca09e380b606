// Resource upload with progress: XMLHttpRequest shows the transfer, then the ingest job is
// polled until it finishes and its report is shown. An upload that started several loads (one
// per worksheet) continues on the loads page, whose rows are polled here too. Without this
// file the form posts to the page route and the loads page is refreshed by hand.
(function () {
  "use strict";
  const POLL_MS = 1000;

  function percentOf(job) {
    if (job.status === "succeeded") return 100;
    return Math.round(Math.min(Math.max(Number(job.progress) || 0, 0), 100));
  }

  // --- the loads page: one row per job, each polled until it is finished ---------------------
  function trackLoads(root) {
    const rows = Array.from(root.querySelectorAll("[data-job-row]"));
    const summary = root.querySelector("[data-loads-summary]");
    const refresh = root.querySelector("[data-loads-refresh]");
    const say = function (key) { return root.dataset["msg" + key.charAt(0).toUpperCase() + key.slice(1)] || key; };
    const finished = function (row) { return row.dataset.jobStatus === "succeeded" || row.dataset.jobStatus === "failed"; };

    function updateSummary() {
      const done = rows.filter(finished).length;
      const text = say("summary").replace("{done}", done).replace("{total}", rows.length);
      if (summary.textContent !== text) summary.textContent = text;
      if (refresh && done === rows.length) refresh.hidden = true;
    }

    function show(row, job) {
      const percent = percentOf(job);
      row.dataset.jobStatus = job.status;
      row.querySelector("progress").value = percent;
      row.querySelector("[data-job-state]").textContent = say(job.status);
      row.querySelector("[data-job-percent]").textContent = percent + "%";
      const error = row.querySelector("[data-job-error]");
      error.hidden = job.status !== "failed";
      if (job.status === "failed") error.textContent = job.error || job.progress_message || "";
      row.querySelector("[data-job-report]").hidden = job.status !== "succeeded";
    }

    async function poll(row) {
      try {
        const response = await fetch(root.dataset.jobsUrl + encodeURIComponent(row.dataset.jobId), { headers: { accept: "application/json" } });
        if (!response.ok) throw new Error(String(response.status));
        show(row, await response.json());
      } catch (e) {
        summary.textContent = say("network");
        return;
      }
      updateSummary();
      if (!finished(row)) setTimeout(function () { poll(row); }, POLL_MS);
    }

    rows.filter(function (row) { return !finished(row); }).forEach(poll);
  }

  const loads = document.querySelector("[data-loads]");
  if (loads) trackLoads(loads);

  // --- the upload form ---------------------------------------------------------------------
  const form = document.querySelector("form[data-upload]");
  if (!form) return;
  const box = document.querySelector("[data-upload-progress]");
  const bar = box.querySelector("progress");
  const label = box.querySelector("[data-upload-label]");
  const report = document.querySelector("[data-upload-report]");

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
      progress("Processing", percentOf(job));
      if (job.status === "succeeded") { showReport(say("Done"), (job.result && job.result.report) || job.result, true); return; }
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
    if (data && Array.isArray(data.loads) && data.loads.length > 1) {
      // One job per worksheet: the loads page shows each with its own bar and report link.
      const query = new URLSearchParams();
      data.loads.forEach(function (load) { query.append("job", load.job_id); });
      window.location.assign(form.dataset.loadsUrl + "?" + query.toString());
      return;
    }
    const id = jobId(data);
    if (id) { progress("Processing", 0); poll(id); } else showReport(say("Done"), data, true);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.apiUrl);
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
