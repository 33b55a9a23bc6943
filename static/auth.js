// HuaYin WebUI: the request headers every script of the page sends (loaded first).
// The API key, when the service asks for one, comes from the page's key field.
"use strict";

window.HuaYin = Object.freeze({
  authHeaders() {
    const apiKey = document.getElementById("api-key");
    const key = apiKey && apiKey.value.trim();
    return key ? { Authorization: "Bearer " + key } : {};
  },
  jsonHeaders() {
    return { "Content-Type": "application/json", ...this.authHeaders() };
  },
});
