// HuaYin WebUI, 「查看读音」: asks /tts/preview how the text will be read and shows the pinyin over
// the characters (ruby), numbers and symbols that were rewritten, and the polyphones. A click on a
// polyphone offers its other readings: choosing one puts an SSML <phoneme> into the text, and the
// matching lexicon line is shown for the deployment's TTS_LEXICON file.
// User text is only ever placed with textContent, never as HTML.
"use strict";

(function () {
  const form = document.getElementById("tts-form");
  const text = document.getElementById("text");
  const button = document.getElementById("preview-button");
  const view = document.getElementById("reading");
  const sentencesBox = document.getElementById("reading-sentences");
  const fix = document.getElementById("reading-fix");
  const errorBox = document.getElementById("error");
  if (!button) return;

  function escapeXml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function isSsml(s) {
    return /^\s*(<\?xml|<speak[\s>/])/i.test(s);
  }

  function offerReadings(piece, polyphone) {
    fix.replaceChildren();
    const title = document.createElement("p");
    title.textContent = "「" + piece.text + "」现在读 " + piece.pinyin + "，可改读为：";
    fix.append(title);
    for (const candidate of polyphone.candidates) {
      if (candidate === polyphone.reading) continue;
      const choice = document.createElement("button");
      choice.type = "button";
      choice.className = "chip reading-choice";
      choice.textContent = candidate;
      choice.addEventListener("click", () => {
        const source = text.value;
        const before = source.slice(0, piece.start);
        const after = source.slice(piece.end);
        text.value = "<speak>" + escapeXml(before) + '<phoneme alphabet="pinyin" ph="' + candidate + '">' +
          escapeXml(piece.text) + "</phoneme>" + escapeXml(after) + "</speak>";
        text.dispatchEvent(new Event("input"));
        const line = document.createElement("p");
        line.className = "muted";
        line.textContent = "已插入 SSML。若要整个服务都这样读，可在词典文件（TTS_LEXICON）中加入：";
        const entry = document.createElement("code");
        entry.className = "lexicon-line";
        entry.textContent = piece.text + " " + candidate;
        fix.replaceChildren(line, entry);
      });
      fix.append(choice);
    }
    fix.hidden = false;
  }

  function render(sentences, editable) {
    sentencesBox.replaceChildren();
    for (const sentence of sentences) {
      const line = document.createElement("p");
      line.className = "reading-sentence";
      for (const piece of sentence.ruby) {
        if (!piece.pinyin) {
          line.append(document.createTextNode(piece.text));
          continue;
        }
        const ruby = document.createElement("ruby");
        ruby.append(document.createTextNode(piece.text));
        const rt = document.createElement("rt");
        rt.textContent = piece.pinyin;
        ruby.append(rt);
        if (piece.rewritten) ruby.classList.add("rewritten");
        const polyphone = sentence.polyphones.find((p) => p.start >= piece.start && p.end <= piece.end);
        if (piece.polyphone && polyphone) {
          ruby.classList.add("polyphone");
          if (editable) {
            ruby.tabIndex = 0;
            ruby.title = "点击改读音";
            ruby.addEventListener("click", () => offerReadings(piece, polyphone));
          }
        }
        line.append(ruby);
      }
      sentencesBox.append(line);
    }
    view.hidden = false;
  }

  button.addEventListener("click", async () => {
    errorBox.hidden = true;
    fix.hidden = true;
    if (!text.value.trim()) return;
    button.disabled = true;
    try {
      const response = await fetch(form.action + "/preview", {
        method: "POST", headers: HuaYin.jsonHeaders(), body: JSON.stringify({ text: text.value }),
      });
      const body = await response.json();
      if (!response.ok) {
        errorBox.textContent = (body.error && body.error.message) || "请求失败（HTTP " + response.status + "）";
        errorBox.hidden = false;
        return;
      }
      render(body.sentences, !isSsml(text.value));
    } catch (err) {
      errorBox.textContent = "网络错误：无法连接到服务。";
      errorBox.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
})();
