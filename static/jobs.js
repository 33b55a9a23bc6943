// HuaYin WebUI, long-text mode: a text over the /tts limit, or a .txt file dropped on the
// page, becomes a job (POST /v1/audio/jobs) with a progress bar, then play and download.
// The job's id is kept in localStorage, so a reloaded page finds its job again.
// It runs beside app.js without changing it: its submit listener is registered for the
// capture phase, which runs before app.js's listener, and takes over only long texts.
"use strict";

(function () {
  const form = document.getElementById("tts-form");
  const jobsUrl = form && form.dataset.jobsUrl;
  if (!jobsUrl) return; // jobs are off on this server (no Redis)

  const STORAGE_KEY = "huayin.job";
  const text = document.getElementById("text");
  const button = document.getElementById("synthesize");
  const errorBox = document.getElementById("error");
  const result = document.getElementById("result");
  const player = document.getElementById("player");
  const download = document.getElementById("download");
  const info = document.getElementById("audio-info");
  const panel = document.getElementById("job");
  const bar = document.getElementById("job-progress");
  const jobStatus = document.getElementById("job-status");
  const cancelButton = document.getElementById("job-cancel");
  const maxChars = Number(form.dataset.maxChars);
  const maxJobChars = Number(form.dataset.jobsMaxChars);
  const numeric = ["intensity", "speed", "pitch", "volume"];
  const STATUS_ZH = { queued: "排队中", running: "合成中", succeeded: "已完成", failed: "失败", cancelled: "已取消" };
  let timer = null;
  let current = null; // the URL of the job this page follows; older polls stop when it changes
  let objectUrl = null;

  // Long texts are allowed in the box now: up to the job limit.
  text.maxLength = maxJobChars;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function saved() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    } catch (_) {
      return null;
    }
  }

  function forget() {
    localStorage.removeItem(STORAGE_KEY);
    if (timer) clearTimeout(timer);
    timer = null;
    button.disabled = false;
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error.message + "（" + response.status + "）";
    } catch (_) { /* not JSON */ }
    return "请求失败（HTTP " + response.status + "）";
  }

  function showProgress(job) {
    const p = job.progress;
    panel.hidden = false;
    bar.max = Math.max(1, p.sentences_total);
    bar.value = p.sentences_done;
    bar.setAttribute("aria-valuetext", p.sentences_done + " / " + p.sentences_total);
    const parts = [STATUS_ZH[job.status] || job.status];
    if (p.sentences_total) parts.push("第 " + p.sentences_done + " / " + p.sentences_total + " 句");
    if (p.audio_seconds) parts.push("已合成 " + p.audio_seconds.toFixed(1) + " 秒音频");
    jobStatus.textContent = parts.join(" · ");
    cancelButton.hidden = !(job.status === "queued" || job.status === "running");
  }

  async function showAudio(job) {
    const extension = job.format === "ogg" ? "ogg" : job.format;
    const name = "huayin-" + job.id + "." + extension;
    let source = job.audio_url;
    if (Object.keys(HuaYin.authHeaders()).length) {
      // With API keys the audio element cannot send the key itself: fetch the file once.
      const response = await fetch(job.audio_url, { headers: HuaYin.authHeaders() });
      if (!response.ok) {
        showError(await errorMessage(response));
        return;
      }
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(await response.blob());
      source = objectUrl;
    }
    // Without keys the file is played from its URL: the server answers Range requests, so
    // the player can seek in hours of audio without downloading all of it first.
    player.src = source;
    download.href = source === job.audio_url ? job.audio_url + "?download=1" : source;
    download.download = name;
    download.textContent = "下载 " + job.format.toUpperCase();
    info.textContent = "长文本任务 · 时长 " + job.progress.audio_seconds.toFixed(1) + " 秒";
    result.hidden = false;
  }

  async function poll(url) {
    timer = null;
    let response;
    try {
      response = await fetch(url, { headers: HuaYin.authHeaders(), cache: "no-store" });
    } catch (_) {
      timer = setTimeout(() => poll(url), 3000); // the network: try again
      return;
    }
    if (url !== current) return;
    if (response.status === 429) {
      const wait = Number(response.headers.get("Retry-After") || 5);
      timer = setTimeout(() => poll(url), wait * 1000);
      return;
    }
    if (!response.ok) {
      showError(await errorMessage(response));
      panel.hidden = true;
      forget();
      return;
    }
    const job = await response.json();
    if (url !== current) return;
    showProgress(job);
    if (job.status === "queued" || job.status === "running") {
      button.disabled = true;
      timer = setTimeout(() => poll(url), 1000);
      return;
    }
    button.disabled = false;
    if (job.status === "succeeded") {
      await showAudio(job);
    } else {
      showError("长文本任务" + STATUS_ZH[job.status] + (job.error ? "：" + job.error.message : "。"));
      forget();
    }
  }

  async function startJob(content) {
    showError("");
    if (timer) clearTimeout(timer); // a previous job's polling stops: this one replaces it
    timer = null;
    const payload = {
      text: content,
      emotion: document.getElementById("emotion").value,
      format: document.getElementById("format").value,
    };
    for (const name of numeric) payload[name] = Number(document.getElementById(name).value);
    button.disabled = true;
    result.hidden = true;
    let response;
    try {
      response = await fetch(jobsUrl, {
        method: "POST",
        headers: Object.assign({ "Content-Type": "application/json" }, HuaYin.authHeaders()),
        body: JSON.stringify(payload),
      });
    } catch (_) {
      showError("网络错误：无法连接到服务。");
      button.disabled = false;
      return;
    }
    if (response.status !== 202) {
      showError(await errorMessage(response));
      button.disabled = false;
      return;
    }
    const job = await response.json();
    const url = response.headers.get("Location");
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ id: job.id, url: url }));
    current = url;
    showProgress(job);
    poll(url);
  }

  form.addEventListener(
    "submit",
    (event) => {
      if (text.value.length <= maxChars || !text.value.trim()) return; // app.js handles it
      event.preventDefault();
      event.stopImmediatePropagation();
      if (text.value.length > maxJobChars) {
        showError("文本过长：长文本任务最多 " + maxJobChars + " 个字符。");
        return;
      }
      startJob(text.value);
    },
    true,
  );

  cancelButton.addEventListener("click", async () => {
    const job = saved();
    if (!job) return;
    current = null;
    await fetch(job.url, { method: "DELETE", headers: HuaYin.authHeaders() });
    forget();
    jobStatus.textContent = "已取消";
    cancelButton.hidden = true;
  });

  // A .txt file dropped anywhere on the page becomes a job.
  document.addEventListener("dragover", (event) => {
    if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
      event.preventDefault();
      document.body.classList.add("dropping");
    }
  });
  document.addEventListener("dragleave", () => document.body.classList.remove("dropping"));
  document.addEventListener("drop", async (event) => {
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (!file) return;
    event.preventDefault();
    document.body.classList.remove("dropping");
    if (!/\.txt$/i.test(file.name) && file.type !== "text/plain") {
      showError("请拖入 .txt 文本文件。");
      return;
    }
    const content = await file.text();
    if (content.length > maxJobChars) {
      showError("文件过长：长文本任务最多 " + maxJobChars + " 个字符。");
      return;
    }
    text.value = content;
    text.dispatchEvent(new Event("input")); // app.js updates the character count
    startJob(content);
  });

  // A reloaded page picks its job up again.
  const previous = saved();
  if (previous && previous.url) {
    current = previous.url;
    poll(previous.url);
  }
})();
