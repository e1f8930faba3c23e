// The connect page: launch Embedded Signup (Coexistence) with the Facebook SDK, pass the code
// and the session event to the server as they come (in either order), show what happened.
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("yume-settings").textContent);
  var button = document.getElementById("connect");
  var sections = ["start", "working", "done"];
  var polling = null;

  function show(answer) {
    if (!answer || !answer.title) return;
    document.getElementById("title").textContent = answer.title;
    document.getElementById("message").textContent = answer.message || "";
    var visible = {
      pending: "start", disconnected: "start", connecting: "working",
      connected: "done", degraded: "done"
    }[answer.state] || "start";
    sections.forEach(function (id) { document.getElementById(id).hidden = id !== visible; });
    if (answer.wa_link) document.getElementById("wa-link").href = answer.wa_link;
    document.body.setAttribute("data-state", answer.state);
    if (answer.state === "connecting") poll(); else stopPolling();
    if (visible === "start") button.disabled = !window.FB;
  }

  function send(body) {
    return fetch(settings.sessionUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) { return response.json(); })
      .then(show)
      .catch(function () {
        show({ state: "pending", title: "Se cortó la conexión",
               message: "Revisa tu internet y vuelve a intentarlo." });
      });
  }

  function poll() {
    if (polling) return;
    polling = setInterval(function () {
      fetch(settings.statusUrl).then(function (r) { return r.json(); }).then(show)
        .catch(function () { /* the next tick tries again */ });
    }, 1000);
  }

  function stopPolling() {
    if (polling) { clearInterval(polling); polling = null; }
  }

  function allowed(origin) {
    var url;
    try { url = new URL(origin); } catch (e) { return false; }
    return settings.allowedOrigins.some(function (rule) {
      if (rule.indexOf("https://*.") === 0) {
        var domain = rule.slice("https://*.".length);
        return url.protocol === "https:" &&
          (url.hostname === domain || url.hostname.slice(-domain.length - 1) === "." + domain);
      }
      return origin === rule;
    });
  }

  // Embedded Signup's session event: FINISH…, CANCEL (a step or an error) or ERROR.
  window.addEventListener("message", function (event) {
    if (!allowed(event.origin)) return;
    var data;
    try { data = typeof event.data === "string" ? JSON.parse(event.data) : event.data; }
    catch (e) { return; }  // the SDK's other messages are not JSON
    if (!data || data.type !== "WA_EMBEDDED_SIGNUP") return;
    send({ event: data });
  });

  function launch(coexistence) {
    if (!window.FB) return;  // the SDK has not loaded yet: the button is still disabled
    var extras = { setup: {}, version: "v4", sessionInfoVersion: "3" };
    if (coexistence) extras.featureType = "whatsapp_business_app_onboarding";
    show({ state: "pending", title: "Sigue los pasos en la ventana de Facebook",
           message: "Cuando termines, vuelve a esta página." });
    window.FB.login(function (response) {
      // The code lives 30 seconds: straight to the server, which exchanges it at once.
      if (response && response.authResponse && response.authResponse.code) {
        send({ code: response.authResponse.code });
      }
    }, {
      config_id: settings.configId,
      response_type: "code",
      override_default_response_type: true,
      extras: extras
    });
  }

  window.fbAsyncInit = function () {
    window.FB.init({ appId: settings.appId, autoLogAppEvents: true, xfbml: false,
                     version: settings.graphVersion });
    button.disabled = false;
  };

  button.addEventListener("click", function () { launch(true); });
  document.getElementById("new-number").addEventListener("click", function (event) {
    event.preventDefault();
    launch(false);
  });
  if (document.body.getAttribute("data-state") === null) {
    var initial = document.getElementById("working").hidden ? null : "connecting";
    if (initial) poll();
  }
})();
