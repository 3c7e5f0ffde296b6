/* Poser embed widget: no dependencies. <script src=".../embed/widget.js" data-partner="slug"></script> */
(function () {
  "use strict";
  var script = document.currentScript;
  var partner = script && script.getAttribute("data-partner");
  if (!partner) return;
  var api = script.getAttribute("data-api") || new URL(script.src, location.href).origin;
  var base = api + "/api/embed/" + encodeURIComponent(partner);
  var S = { token: null, id: null, dur: 0, start: 0, end: 0, box: null, at: 0, file: null };

  function el(tag, attrs, kids) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === "text") n.textContent = attrs[k]; else n.setAttribute(k, attrs[k]); });
    (kids || []).forEach(function (c) { n.appendChild(c); });
    return n;
  }
  function call(method, path, body) {
    var h = { "Content-Type": "application/json" };
    if (S.token) h["X-Results-Token"] = S.token;
    return fetch(base + path, { method: method, headers: h, body: body ? JSON.stringify(body) : undefined }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j.detail && (j.detail.message || j.detail)) || r.statusText);
        return j;
      });
    });
  }

  var root = el("div", { class: "poser-widget", style: "font:14px system-ui,sans-serif;max-width:480px;border:1px solid #ccc;border-radius:8px;padding:12px" });
  var msg = el("p", { role: "status" });
  var file = el("input", { type: "file", accept: "video/*" });
  var video = el("video", { muted: "", playsinline: "", style: "width:100%;display:none" });
  var canvas = el("canvas", { style: "width:100%;display:none;cursor:crosshair" });
  var start = el("input", { type: "range", min: "0", step: "0.1", value: "0", "aria-label": "trim start (s)" });
  var end = el("input", { type: "range", min: "0", step: "0.1", value: "0", "aria-label": "trim end (s)" });
  var email = el("input", { type: "email", placeholder: "your@email", required: "" });
  var send = el("button", { type: "button", text: "Analyse my skiing", disabled: "" });
  var bar = el("progress", { max: "100", value: "0", style: "width:100%;display:none" });
  var out = el("div");
  var trim = el("div", { style: "display:none" }, [el("label", { text: "Start " }), start, el("label", { text: " End " }), end]);
  root.append(el("strong", { text: "Ski technique check" }), file, video, canvas, trim,
    el("p", { text: "Drag a box around the skier, then enter your email." }), email, send, bar, msg, out,
    el("p", { style: "color:#888;font-size:11px", text: "Powered by Poser" }));
  (script.getAttribute("data-target") ? document.querySelector(script.getAttribute("data-target")) : script.parentNode).insertBefore(root, script.nextSibling);

  function say(t) { msg.textContent = t; }
  function ready() { send.disabled = !(S.file && S.box && email.value.indexOf("@") > 0); }
  email.addEventListener("input", ready);

  file.addEventListener("change", function () {
    S.file = file.files[0]; S.box = null;
    if (!S.file) return;
    video.src = URL.createObjectURL(S.file);
    video.style.display = "block";
  });
  video.addEventListener("loadedmetadata", function () {
    S.dur = video.duration; S.start = 0; S.end = Math.min(S.dur, 20);
    [start, end].forEach(function (r) { r.max = String(S.dur); });
    start.value = "0"; end.value = String(S.end); trim.style.display = "block";
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    video.currentTime = 0;
  });
  function seek() {
    S.start = Math.min(+start.value, +end.value - 0.5); S.end = Math.min(+end.value, S.start + 20);
    video.currentTime = S.start; S.box = null; ready();
  }
  start.addEventListener("input", seek); end.addEventListener("input", seek);
  video.addEventListener("seeked", function () { S.at = video.currentTime; draw(); video.style.display = "none"; canvas.style.display = "block"; });

  function draw() {
    var g = canvas.getContext("2d");
    g.drawImage(video, 0, 0, canvas.width, canvas.height);
    if (S.box) { g.strokeStyle = "#f40"; g.lineWidth = 3; g.strokeRect(S.box[0], S.box[1], S.box[2] - S.box[0], S.box[3] - S.box[1]); }
  }
  function pt(e) {
    var r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  }
  var from = null;
  canvas.addEventListener("pointerdown", function (e) { from = pt(e); canvas.setPointerCapture(e.pointerId); });
  canvas.addEventListener("pointermove", function (e) {
    if (!from) return;
    var p = pt(e);
    S.box = [Math.min(from[0], p[0]), Math.min(from[1], p[1]), Math.max(from[0], p[0]), Math.max(from[1], p[1])];
    draw();
  });
  canvas.addEventListener("pointerup", function () {
    from = null;
    if (S.box && (S.box[2] - S.box[0] < 8 || S.box[3] - S.box[1] < 8)) S.box = null;
    draw(); ready();
  });

  function put(upload) {
    return new Promise(function (resolve, reject) {
      var x = new XMLHttpRequest();
      x.open(upload.method || "PUT", upload.url);
      Object.keys(upload.headers || {}).forEach(function (k) { x.setRequestHeader(k, upload.headers[k]); });
      x.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
      x.onload = function () { x.status < 300 ? resolve() : reject(new Error("upload failed (" + x.status + ")")); };
      x.onerror = function () { reject(new Error("upload failed: check your connection")); };
      x.send(S.file);
    });
  }

  send.addEventListener("click", function () {
    send.disabled = true; bar.style.display = "block"; say("Uploading…");
    var f = S.file;
    call("POST", "/submit", { email: email.value, filename: f.name, size_bytes: f.size, content_type: f.type || "video/mp4" })
      .then(function (r) { S.id = r.analysis_id; S.token = r.results_token; return put(r.upload); })
      .then(function () {
        say("Checking the video…");
        var span = Math.max(S.end - S.start, 0.001);
        return call("POST", "/upload-complete", { analysis_id: S.id, prompt: {
          bbox: S.box, trim_start_seconds: S.start, trim_end_seconds: S.end,
          click_normalized_time: Math.max(0, Math.min(1, (S.at - S.start) / span)) } });
      })
      .then(function () { bar.style.display = "none"; say("Check your email: open the link we sent to start the analysis."); poll(); })
      .catch(function (e) { say(e.message); send.disabled = false; bar.style.display = "none"; });
  });

  function poll() {
    call("GET", "/status/" + S.id).then(function (s) {
      if (s.status === "failed") return say("The analysis failed: " + (s.error || "unknown reason"));
      if (s.results_ready) return call("GET", "/feedback/" + S.id).then(show);
      if (s.confirmed) say("Analysing… " + (s.progress ? Math.round(s.progress.percent) + "% " + (s.progress.stage || "") : ""));
      setTimeout(poll, 2000);
    }).catch(function (e) { say(e.message); setTimeout(poll, 2000); });
  }
  function fmt(v) { return v == null ? "–" : Math.round(v); }
  function show(f) {
    say("Done.");
    out.textContent = "";
    out.append(el("p", { text: "Edge similarity: " + fmt(f.edge_similarity_run) + " / 100 (left turns " + fmt(f.edge_similarity_left) + ", right turns " + fmt(f.edge_similarity_right) + ")" }));
    var list = el("ol");
    f.turns.forEach(function (t) { list.append(el("li", { text: t.direction + " turn: " + fmt(t.edge_similarity) })); });
    out.append(list);
  }
})();
