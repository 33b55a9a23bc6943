// Starts Swagger UI on /docs (a file, not an inline script: the CSP forbids those).
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({ url: root.dataset.specUrl, domNode: root, deepLinking: true });
});
