// HuaYin WebUI karaoke: while a clip plays, the character being spoken is highlighted;
// clicking a sentence seeks to it; "下载字幕 (SRT)" downloads subtitles for the clip.
// app.js announces each clip it shows with a "huayin:clip" event; the timings come from
// /tts with "timestamps": true when the clip is first played (same text and settings, so
// the same audio; the times include the MP3 decoder delay). User text only goes into textContent.
"use strict";

(function () {
  const form = document.getElementById("tts-form");
  const player = document.getElementById("player");
  const box = document.getElementById("karaoke");
  const subtitleLink = document.getElementById("subtitles");
  if (!form || !player || !box || !subtitleLink) return;

  const cache = new WeakMap(); // clip → its timings
  let entries = []; // { start, end, node } in time order
  let currentIndex = -1;
  let shown = null; // the clip whose timings are displayed
  let frame = 0;

  function post(body) {
    return fetch(form.action, { method: "POST", headers: HuaYin.jsonHeaders(), body: JSON.stringify(body) });
  }

  function seek(seconds) {
    player.currentTime = Math.max(0, seconds);
    highlight();
  }

  // The text from offset `from` to `to`: characters with a timing become spans, the rest text.
  function fill(parent, text, byOffset, from, to) {
    let plain = "";
    let i = from;
    while (i < to) {
      const entry = byOffset.get(i);
      if (entry) {
        if (plain) { parent.append(plain); plain = ""; }
        const span = document.createElement("span");
        span.className = "karaoke-char";
        span.textContent = entry.text;
        span.dataset.offset = String(entry.offset);
        parent.append(span);
        entries.push({ start: entry.start, end: entry.end, node: span });
        i += Math.max(1, entry.length);
      } else {
        if (text !== null) plain += text[i];
        i += 1;
      }
    }
    if (plain) parent.append(plain);
  }

  function render(clip, timings) {
    box.replaceChildren();
    entries = [];
    currentIndex = -1;
    // Plain text: offsets index it. SSML: offsets index its text content, which only the
    // timings spell out, so only the timed characters are shown.
    const text = clip.text.trimStart().startsWith("<") ? null : clip.text;
    const byOffset = new Map(timings.characters.map((c) => [c.offset, c]));
    const end = text !== null ? text.length
      : Math.max(0, ...timings.characters.map((c) => c.offset + c.length));
    let cursor = 0;
    for (const sentence of timings.sentences) {
      if (sentence.offset < cursor) continue;
      fill(box, text, byOffset, cursor, sentence.offset);
      const group = document.createElement("span");
      group.className = "karaoke-sentence";
      group.title = "从这里播放";
      group.addEventListener("click", () => seek(sentence.start));
      fill(group, text, byOffset, sentence.offset, sentence.offset + sentence.length);
      box.append(group);
      cursor = sentence.offset + sentence.length;
    }
    fill(box, text, byOffset, cursor, end);
    entries.sort((a, b) => a.start - b.start);
    box.hidden = entries.length === 0;
    highlight();
  }

  function highlight() {
    const t = player.currentTime;
    let index = -1;
    let lo = 0;
    let hi = entries.length - 1;
    while (lo <= hi) { // the last entry that starts at or before t
      const mid = (lo + hi) >> 1;
      if (entries[mid].start <= t) { index = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    if (index >= 0 && t >= entries[index].end && index === entries.length - 1) index = -1;
    if (index === currentIndex) return;
    if (currentIndex >= 0) entries[currentIndex].node.classList.remove("karaoke-current");
    if (index >= 0) entries[index].node.classList.add("karaoke-current");
    currentIndex = index;
    box.dataset.current = index >= 0 ? entries[index].node.dataset.offset : "";
  }

  function tick() {
    highlight();
    frame = player.paused ? 0 : requestAnimationFrame(tick);
  }

  player.addEventListener("play", () => { if (!frame) frame = requestAnimationFrame(tick); });
  for (const name of ["timeupdate", "seeked", "pause", "ended"]) player.addEventListener(name, highlight);

  subtitleLink.addEventListener("click", async (event) => {
    if (subtitleLink.dataset.ready === "1" || !shown) return; // the file is there: let the link work
    event.preventDefault();
    const clip = shown;
    const response = await post({ ...clip.payload, subtitles: "srt" });
    if (!response.ok || clip !== shown) return;
    const blob = await response.blob();
    subtitleLink.href = URL.createObjectURL(blob);
    subtitleLink.download = clip.filename.replace(/\.[a-z0-9]+$/, "") + ".srt";
    subtitleLink.dataset.ready = "1";
    subtitleLink.click();
  });

  // Timings cost the server a second synthesis, so they are asked for only once the clip is
  // played in the player (a streamed WAV has already been heard through Web Audio).
  async function load(clip) {
    let timings = cache.get(clip);
    if (!timings) {
      cache.set(clip, null); // asked for: not again
      try {
        const response = await post({ ...clip.payload, timestamps: true });
        if (!response.ok) return;
        timings = await response.json();
      } catch (_) {
        return; // no timings: the player works as before
      }
      cache.set(clip, timings);
    }
    if (clip !== shown) return;
    render(clip, timings);
    box.dataset.ready = "1";
  }

  player.addEventListener("play", () => {
    if (shown && !cache.has(shown)) load(shown);
  });

  document.addEventListener("huayin:clip", (event) => {
    shown = event.detail;
    subtitleLink.dataset.ready = "";
    subtitleLink.removeAttribute("href");
    subtitleLink.hidden = false;
    box.dataset.ready = "";
    box.hidden = true;
    entries = [];
    currentIndex = -1;
    if (cache.get(shown)) load(shown); // a replay from the history: already known
  });
})();
