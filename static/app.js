// HuaYin WebUI: sends the form as JSON to /tts and plays the returned audio.
// WAV is played while it is being synthesised: the page asks for a PCM stream and
// plays each chunk with Web Audio as it arrives, then keeps the whole clip as a WAV
// file for the player, the download link and the history. Other formats come whole.
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
  const historyList = document.getElementById("history");
  const historySection = document.getElementById("history-section");
  const maxChars = Number(form.dataset.maxChars);
  const numeric = ["intensity", "speed", "pitch", "volume"];
  const PCM_RATE = 24000;
  let live = null; // the AudioContext of the clip playing while it streams

  function updateCount() {
    const n = text.value.length;
    counter.textContent = n + " / " + maxChars;
    counter.classList.toggle("over", n > maxChars);
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function setBusy(busy, message) {
    button.disabled = busy;
    button.textContent = busy ? "合成中…" : "合成语音";
    form.setAttribute("aria-busy", busy ? "true" : "false");
    status.textContent = busy ? message || "正在合成，请稍候……" : "";
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

  function wavFile(chunks, bytes, rate) {
    const header = new DataView(new ArrayBuffer(44));
    const ascii = (offset, s) => { for (let i = 0; i < s.length; i++) header.setUint8(offset + i, s.charCodeAt(i)); };
    ascii(0, "RIFF"); header.setUint32(4, 36 + bytes, true); ascii(8, "WAVE");
    ascii(12, "fmt "); header.setUint32(16, 16, true); header.setUint16(20, 1, true); header.setUint16(22, 1, true);
    header.setUint32(24, rate, true); header.setUint32(28, rate * 2, true); header.setUint16(32, 2, true);
    header.setUint16(34, 16, true); ascii(36, "data"); header.setUint32(40, bytes, true);
    return new Blob([header, ...chunks], { type: "audio/wav" });
  }

  // Plays a PCM (s16le mono) stream as it arrives; resolves with the whole clip as a WAV blob.
  async function playWhileStreaming(response) {
    if (live) live.close();
    const context = new AudioContext({ sampleRate: PCM_RATE });
    live = context;
    const reader = response.body.getReader();
    const chunks = [];
    let bytes = 0;
    let carry = null; // an odd byte left over from the previous chunk
    let next = 0;
    const started = performance.now();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let data = value;
      if (carry) { data = new Uint8Array(carry.length + value.length); data.set(carry); data.set(value, carry.length); }
      const even = data.length - (data.length % 2);
      carry = even < data.length ? data.slice(even) : null;
      if (!even) continue;
      const block = data.slice(0, even);
      chunks.push(block);
      bytes += block.length;
      const samples = new Int16Array(block.buffer, block.byteOffset, even / 2);
      const buffer = context.createBuffer(1, samples.length, PCM_RATE);
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      next = Math.max(next, context.currentTime + 0.02);
      source.start(next);
      next += buffer.duration;
      if (!result.dataset.firstSoundMs) {
        result.dataset.firstSoundMs = String(Math.round(performance.now() - started));
        setBusy(true, "正在边合成边播放……");
      }
    }
    result.dataset.streamMs = String(Math.round(performance.now() - started));
    return { blob: wavFile(chunks, bytes, PCM_RATE), seconds: bytes / 2 / PCM_RATE };
  }

  function show(clip) {
    player.src = clip.url;
    download.href = clip.url;
    download.download = clip.filename;
    download.textContent = "下载 " + clip.format.toUpperCase();
    info.textContent = "时长 " + clip.seconds.toFixed(2) + " 秒 · 合成用时 " + clip.took.toFixed(2) + " 秒";
    result.hidden = false;
    document.dispatchEvent(new CustomEvent("huayin:clip", { detail: clip })); // karaoke.js
  }

  function remember(clip) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.className = "history-text";
    label.textContent = clip.text.length > 40 ? clip.text.slice(0, 40) + "…" : clip.text;
    const settings = document.createElement("span");
    settings.className = "muted history-settings";
    const p = clip.payload;
    settings.textContent = [p.emotion, "强度 " + p.intensity, "语速 " + p.speed, "音调 " + p.pitch,
      "音量 " + p.volume, clip.format.toUpperCase(), clip.seconds.toFixed(1) + " 秒"].join(" · ");
    const replay = document.createElement("button");
    replay.type = "button";
    replay.className = "chip replay";
    replay.textContent = "重播";
    replay.addEventListener("click", () => {
      show(clip);
      player.play().catch(() => { /* the controls are there */ });
    });
    const save = document.createElement("a");
    save.className = "chip";
    save.href = clip.url;
    save.download = clip.filename;
    save.textContent = "下载";
    item.append(label, settings, replay, save);
    historyList.prepend(item);
    historySection.hidden = false;
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
    const format = document.getElementById("format").value;
    const payload = { text: text.value, emotion: document.getElementById("emotion").value, format };
    for (const name of numeric) {
      payload[name] = Number(document.getElementById(name).value);
    }
    const streamed = format === "wav" && typeof AudioContext !== "undefined";
    const body = streamed ? { ...payload, format: "pcm", sample_rate: PCM_RATE, stream: true } : payload;
    delete result.dataset.firstSoundMs;
    delete result.dataset.streamMs;
    setBusy(true);
    const started = performance.now();
    try {
      const response = await fetch(form.action, { method: "POST", headers: HuaYin.jsonHeaders(), body: JSON.stringify(body) });
      if (!response.ok) {
        showError(await errorMessage(response));
        return;
      }
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = disposition.match(/filename="([^"]+)\.[a-z0-9]+"/);
      const stem = match ? match[1] : "huayin";
      let blob, seconds;
      if (streamed) {
        ({ blob, seconds } = await playWhileStreaming(response));
      } else {
        blob = await response.blob();
        seconds = Number(response.headers.get("X-Audio-Duration") || 0);
      }
      const clip = {
        url: URL.createObjectURL(blob), filename: stem + "." + format, format, seconds,
        took: (performance.now() - started) / 1000, text: payload.text, payload,
      };
      show(clip);
      remember(clip);
      if (!streamed) player.play().catch(() => { /* autoplay may be blocked: the controls are there */ });
    } catch (err) {
      showError("网络错误：无法连接到服务。");
    } finally {
      setBusy(false);
    }
  });
})();
