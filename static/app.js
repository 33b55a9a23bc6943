// HuaYin WebUI: sends the form as JSON to /tts and plays the returned audio.
// User text is only ever placed in form fields and textContent, never in HTML.
"use strict";

(function () {
  const form = document.getElementById("tts-form");
  const text = document.getElementById("text");
  const counter = document.getElementById("char-count");
  const button = document.getElementById("synthesize");
  const status = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const result = document.getElementById("result");
  const player = document.getElementById("player");
  const download = document.getElementById("download");
  const info = document.getElementById("audio-info");
  const maxChars = Number(form.dataset.maxChars);
  const numeric = ["intensity", "speed", "pitch", "volume"];
  let objectUrl = null;

  function updateCount() {
    const n = text.value.length;
    counter.textContent = n + " / " + maxChars;
    counter.classList.toggle("over", n > maxChars);
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function setBusy(busy) {
    button.disabled = busy;
    button.textContent = busy ? "合成中…" : "合成语音";
    form.setAttribute("aria-busy", busy ? "true" : "false");
    status.textContent = busy ? "正在合成，请稍候……" : "";
  }

  for (const name of numeric) {
    const input = document.getElementById(name);
    const output = document.getElementById(name + "-value");
    const show = () => { output.textContent = input.value; };
    input.addEventListener("input", show);
    show();
  }

  for (const chip of document.querySelectorAll("[data-example]")) {
    chip.addEventListener("click", () => {
      text.value = chip.dataset.example;
      updateCount();
      text.focus();
    });
  }

  text.addEventListener("input", updateCount);
  updateCount();

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) {
        return body.error.message + "（" + response.status + "）";
      }
    } catch (_) { /* not JSON: fall through */ }
    return "请求失败（HTTP " + response.status + "）";
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    if (!text.value.trim()) {
      showError("请输入要合成的文本。");
      return;
    }
    if (text.value.length > maxChars) {
      showError("文本过长：最多 " + maxChars + " 个字符。");
      return;
    }
    const payload = {
      text: text.value,
      emotion: document.getElementById("emotion").value,
      format: document.getElementById("format").value,
    };
    for (const name of numeric) {
      payload[name] = Number(document.getElementById(name).value);
    }
    setBusy(true);
    try {
      const headers = { "Content-Type": "application/json" };
      const apiKey = document.getElementById("api-key");
      if (apiKey && apiKey.value.trim()) headers["Authorization"] = "Bearer " + apiKey.value.trim();
      const response = await fetch(form.action, { method: "POST", headers, body: JSON.stringify(payload) });
      if (!response.ok) {
        showError(await errorMessage(response));
        return;
      }
      const blob = await response.blob();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(blob);
      player.src = objectUrl;
      download.href = objectUrl;
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = disposition.match(/filename="([^"]+)"/);
      download.download = match ? match[1] : "huayin." + payload.format;
      download.textContent = "下载 " + payload.format.toUpperCase();
      const seconds = Number(response.headers.get("X-Audio-Duration") || 0);
      const took = Number(response.headers.get("X-Synthesis-Time") || 0);
      info.textContent = "时长 " + seconds.toFixed(2) + " 秒 · 合成用时 " + took.toFixed(2) + " 秒";
      result.hidden = false;
      player.play().catch(() => { /* autoplay may be blocked: the controls are there */ });
    } catch (err) {
      showError("网络错误：无法连接到服务。");
    } finally {
      setBusy(false);
    }
  });
})();
