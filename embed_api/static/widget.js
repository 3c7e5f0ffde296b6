/* Poser embed widget: no dependencies. <script src=".../embed/widget.js" data-partner="slug"></script>
 * Flow: config (refused → a visible notice) → pick a clip → trim → drag a box around the skier → email →
 * submit → PUT the clip (progress bar) → upload-complete ("check your email") → poll status → summary. */
(function () {
  "use strict";
  var script = document.currentScript;
  var partner = script && script.getAttribute("data-partner");
  if (!partner) return;
  var api = script.getAttribute("data-api") || new URL(script.src, location.href).origin;
  var base = api + "/api/embed/" + encodeURIComponent(partner);
  var S = { token: null, id: null, dur: 0, start: 0, end: 0, box: null, at: 0, file: null, maxBytes: 0, maxWindow: 20 };

  function el(tag, attrs, kids) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === "text") n.textContent = attrs[k]; else n.setAttribute(k, attrs[k]); });
    (kids || []).forEach(function (c) { n.appendChild(c); });
    return n;
  }
  // A refused origin gets a 403 without CORS headers, which fetch reports as a network error (status 0).
  function call(method, path, body) {
    var h = { "Content-Type": "application/json" };
    if (S.token) h["X-Results-Token"] = S.token;
    return fetch(base + path, { method: method, headers: h, body: body ? JSON.stringify(body) : undefined })
      .catch(function () { var e = new Error("The analysis service cannot be reached from this page."); e.status = 0; throw e; })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) { var e = new Error((j.detail && (j.detail.message || j.detail)) || r.statusText); e.status = r.status; throw e; }
          return j;
        });
      });
  }

  var css = "font:14px/1.4 system-ui,sans-serif;max-width:480px;border:1px solid #ccd;border-radius:8px;padding:12px;background:#fff;color:#1b1f24";
  var root = el("div", { class: "poser-widget", style: css });
  var title = el("strong", { text: "Ski technique check", style: "display:block;font-size:15px;margin-bottom:8px" });
  var msg = el("p", { role: "status", class: "poser-status", style: "min-height:1.4em" });
  var file = el("input", { type: "file", accept: "video/*", class: "poser-file", "aria-label": "your ski clip", style: "display:block;margin-bottom:8px" });
  var video = el("video", { muted: "", playsinline: "", preload: "auto", style: "width:100%;display:none" });
  var canvas = el("canvas", { class: "poser-canvas", style: "width:100%;display:none;cursor:crosshair;touch-action:none;border-radius:4px" });
  var start = el("input", { type: "range", min: "0", step: "0.1", value: "0", class: "poser-start", "aria-label": "trim start (s)" });
  var end = el("input", { type: "range", min: "0", step: "0.1", value: "0", class: "poser-end", "aria-label": "trim end (s)" });
  var span = el("span", { class: "poser-window" });
  var email = el("input", { type: "email", placeholder: "your@email", required: "", class: "poser-email", style: "width:100%;box-sizing:border-box;margin:4px 0" });
  var send = el("button", { type: "button", text: "Analyse my skiing", disabled: "", class: "poser-send" });
  var bar = el("progress", { max: "100", value: "0", class: "poser-progress", style: "width:100%;display:none" });
  var out = el("div", { class: "poser-results" });
  var trim = el("div", { style: "display:none" }, [el("label", { text: "Start " }), start, el("label", { text: " End " }), end, el("div", {}, [span])]);
  var hint = el("p", { text: "Choose a clip, trim it, then drag a box around the skier (body and skis)." });
  var form = el("div", {}, [file, video, canvas, trim, hint, email, send, bar]);
  root.append(title, form, msg, out, el("p", { style: "color:#888;font-size:11px;margin:8px 0 0", text: "Powered by Poser" }));
  var where = script.getAttribute("data-target") ? document.querySelector(script.getAttribute("data-target")) : null;
  if (where) where.appendChild(root); else script.parentNode.insertBefore(root, script.nextSibling);

  function say(t, bad) { msg.textContent = t; msg.style.color = bad ? "#a4000f" : ""; }
  function ready() { send.disabled = !(S.file && S.box && email.value.indexOf("@") > 0); }
  function refuse(e) {
    form.style.display = "none";
    root.classList.add("poser-refused");
    say(e.status === 404 ? "This ski-analysis widget is switched off."
      : "This site is not allowed to use the Poser ski-analysis widget.", true);
    out.append(el("p", { style: "color:#667;font-size:12px", text: "If this is your site, ask Poser to add its address to your partner account." }));
  }
  form.style.display = "none";
  say("Loading…");
  call("GET", "/config").then(function (c) {
    S.maxBytes = c.max_upload_bytes; S.maxWindow = c.max_window_s;
    title.textContent = "Ski technique check · " + c.name;
    form.style.display = "block"; say("");
  }).catch(refuse);
  email.addEventListener("input", ready);

  file.addEventListener("change", function () {
    S.file = file.files[0]; S.box = null; ready();
    if (!S.file) return;
    if (S.maxBytes && S.file.size > S.maxBytes) { S.file = null; return say("This clip is too large (at most " + Math.round(S.maxBytes / 1048576) + " MB).", true); }
    video.src = URL.createObjectURL(S.file);
    say("");
  });
  video.addEventListener("loadedmetadata", function () {
    S.dur = video.duration; S.start = 0; S.end = Math.min(S.dur, S.maxWindow);
    [start, end].forEach(function (r) { r.max = String(S.dur); });
    start.value = "0"; end.value = String(S.end); trim.style.display = "block";
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    showWindow(); video.currentTime = 0;
  });
  video.addEventListener("error", function () { say("This file cannot be played here: choose an MP4 or MOV clip.", true); });
  function showWindow() { span.textContent = "Analysed: " + S.start.toFixed(1) + " s – " + S.end.toFixed(1) + " s (at most " + S.maxWindow + " s)"; }
  function seek() {
    S.start = Math.max(0, Math.min(+start.value, +end.value - 0.5)); S.end = Math.min(+end.value, S.start + S.maxWindow);
    showWindow(); video.currentTime = S.start; S.box = null; ready();
  }
  start.addEventListener("input", seek); end.addEventListener("input", seek);
  video.addEventListener("seeked", function () { S.at = video.currentTime; draw(); canvas.style.display = "block"; });

  function draw() {
    var g = canvas.getContext("2d");
    g.drawImage(video, 0, 0, canvas.width, canvas.height);
    if (S.box) { g.strokeStyle = "#f40"; g.lineWidth = Math.max(2, canvas.width / 200); g.strokeRect(S.box[0], S.box[1], S.box[2] - S.box[0], S.box[3] - S.box[1]); }
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
    if (S.box) say("Box set. Enter your email and press the button.");
  });

  function put(upload) {
    return new Promise(function (resolve, reject) {
      var x = new XMLHttpRequest();
      x.open(upload.method || "PUT", upload.url);
      Object.keys(upload.headers || {}).forEach(function (k) { x.setRequestHeader(k, upload.headers[k]); });
      x.upload.onprogress = function (e) {
        if (!e.lengthComputable) return;
        bar.value = (100 * e.loaded) / e.total; say("Uploading… " + Math.round(bar.value) + "%");
      };
      x.onload = function () { x.status < 300 ? resolve() : reject(new Error("upload failed (" + x.status + ")")); };
      x.onerror = function () { reject(new Error("upload failed: check your connection")); };
      x.send(S.file);
    });
  }

  send.addEventListener("click", function () {
    send.disabled = true; bar.value = 0; bar.style.display = "block"; say("Uploading… 0%");
    var f = S.file;
    call("POST", "/submit", { email: email.value, filename: f.name, size_bytes: f.size, content_type: f.type || "video/mp4" })
      .then(function (r) { S.id = r.analysis_id; S.token = r.results_token; return put(r.upload); })
      .then(function () {
        say("Checking the video…");
        var len = Math.max(S.end - S.start, 0.001);
        return call("POST", "/upload-complete", { analysis_id: S.id, prompt: {
          bbox: S.box, trim_start_seconds: S.start, trim_end_seconds: S.end,
          click_normalized_time: Math.max(0, Math.min(1, (S.at - S.start) / len)) } });
      })
      .then(function () {
        form.style.display = "none";
        say("Check your email: open the link we sent to " + email.value + " and press the button to start the analysis.");
        poll();
      })
      .catch(function (e) { say(e.message, true); send.disabled = false; bar.style.display = "none"; });
  });

  function poll() {
    call("GET", "/status/" + S.id).then(function (s) {
      if (s.status === "failed") return say("The analysis failed: " + (s.error || "unknown reason"), true);
      if (s.results_ready) return call("GET", "/feedback/" + S.id).then(show);
      if (s.confirmed) {
        bar.style.display = "block"; form.style.display = "block";
        [file, video, canvas, trim, hint, email, send].forEach(function (n) { n.style.display = "none"; });
        bar.value = s.progress ? s.progress.percent : 0;
        say("Analysing… " + (s.progress ? Math.round(s.progress.percent) + "% · " + (s.progress.stage || "") : "queued"));
      }
      setTimeout(poll, 2000);
    }).catch(function (e) { say(e.message, true); setTimeout(poll, 4000); });
  }
  function fmt(v) { return v == null ? "–" : String(Math.round(v)); }
  function pm(iv) { return iv ? " ± " + Math.round((iv[1] - iv[0]) / 2) : ""; }
  function show(f) {
    form.style.display = "none";
    say("Done: your results are ready.");
    out.textContent = "";
    out.append(
      el("p", { class: "poser-score", style: "font-size:20px;margin:4px 0" }, [el("strong", { text: "Edge similarity " + fmt(f.edge_similarity_run) + " / 100" + pm(f.edge_similarity_run_interval) })]),
      el("p", { text: "Left turns " + fmt(f.edge_similarity_left) + pm(f.edge_similarity_left_interval) + " · right turns " + fmt(f.edge_similarity_right) + pm(f.edge_similarity_right_interval) }));
    var list = el("ul", { class: "poser-turns", style: "padding-left:1.2em" });
    f.turns.forEach(function (t) {  // numbered as on the results page: the run's turn index, from 1
      list.append(el("li", { text: "Turn " + (t.segment_index + 1) + " (" + t.direction + "): " + fmt(t.edge_similarity) + pm(t.edge_similarity_interval) + (t.measurable === false ? " (not measurable)" : "") }));
    });
    if (!f.turns.length) list = el("p", { text: "No turns were found in this clip, so there is nothing to score yet: try a run with several linked turns." });
    out.append(list, el("a", { href: api + "/api/embed/results/" + encodeURIComponent(S.token), target: "_blank", rel: "noopener", text: "Full results and overlay video" }));
  }
})();
