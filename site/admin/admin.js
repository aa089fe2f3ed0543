// The operator console (/admin/): sign-in, the queue by status with live countdowns, a request's drawer with
// its story and the three actions (each confirmed before it is sent), phone reveal, and the partners table.
// Sign-in itself is auth.js (window.PartnerConfirmAuth); every word comes from words.js.
(function () {
  "use strict";

  var PC = window.PartnerConfirm;
  var W = PC.words.operator;
  var STATUSES = PC.words.statuses;
  var EVENTS = PC.words.events;
  var el = PC.el;
  var show = PC.show;

  var REFRESH_MS = 10000;
  var PAGE_SIZE = 50;
  var NOTE_MAX = 300; // the API refuses a longer note (400, field note), never cuts it
  var DAY_MS = 86400000;
  var WAITING = { Created: true, SMSSent: true, Opened: true };
  var RECENT_TABS = ["Timeout", "Failed"];

  var auth = signInModule(window.PartnerConfirmAuth);
  var state = {
    view: null, // "queue" | "partners"
    tab: "open",
    rows: [],
    cursor: null,
    recent: { Timeout: [], Failed: [] },
    partners: [],
    days: 7,
    sort: { key: "answerRate", ascending: true },
    detail: null,
    detailId: null,
    opener: null,
    action: null, // {name, step: "input" | "confirm", body}
    busy: false,
  };
  var refreshTimer = null;
  var tickTimer = null;

  // ---- the sign-in module (auth.js): one small adapter, so the rest of the page reads plainly ----

  // signIn/respond resolve {ok: true} | {ok: false, challenge, secret?} | {ok: false, message}; never reject.
  function signInModule(module) {
    if (!module) return null;
    var CHALLENGES = { mfa: "SOFTWARE_TOKEN_MFA", mfaSetup: "MFA_SETUP", newPassword: "NEW_PASSWORD_REQUIRED" };
    var pending = null;
    async function settle(step) {
      try {
        var result = (await step()) || {};
        if (result.state === "signedIn") {
          pending = null;
          if (module.isOperator && !module.isOperator()) {
            await module.signOut();
            return { ok: false, error: "FORBIDDEN", message: W.forbidden };
          }
          return { ok: true };
        }
        pending = CHALLENGES[result.state] || null;
        if (!pending) return { ok: false, message: PC.words.errors[500] };
        return { ok: false, challenge: pending, secret: result.secret || null };
      } catch (error) {
        return { ok: false, challenge: null, message: (error && error.message) || PC.words.errors[500] };
      }
    }
    return {
      signIn: function (username, password) {
        return settle(function () {
          return module.signIn(username, password);
        });
      },
      respond: function (answer) {
        var method = { SOFTWARE_TOKEN_MFA: "answerMfa", MFA_SETUP: "setUpMfa", NEW_PASSWORD_REQUIRED: "setNewPassword" };
        return settle(function () {
          return module[method[pending]](answer);
        });
      },
      pending: function () {
        return pending;
      },
      token: async function () {
        try {
          return await module.accessToken();
        } catch (_) {
          return null;
        }
      },
      user: function () {
        return module.currentUser();
      },
      isOperator: function () {
        return !module.isOperator || module.isOperator();
      },
      signOut: async function () {
        pending = null;
        try {
          await module.signOut();
        } catch (_) {
          // Signed out here either way: the tokens are gone from this tab.
        }
      },
    };
  }

  // ---- helpers ----

  function announce(text) {
    el("announcer").textContent = "";
    window.setTimeout(function () {
      el("announcer").textContent = text;
    }, 50);
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function statusLabel(status) {
    return STATUSES[status] || status || "-";
  }

  function eventLabel(type) {
    return EVENTS[type] || type;
  }

  function toMs(value) {
    if (value === null || value === undefined || value === "") return NaN;
    if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
    return new Date(value).getTime();
  }

  function countdownText(deadline) {
    var left = Math.round((toMs(deadline) - Date.now()) / 1000);
    if (isNaN(left)) return W.noDeadline;
    if (left <= 0) return W.deadlinePassed;
    return W.secondsLeft(Math.floor(left / 60), left % 60);
  }

  function isRecent(row) {
    var at = toMs((row.lastEvent && row.lastEvent.at) || row.createdAt);
    return !isNaN(at) && Date.now() - at < DAY_MS;
  }

  function setError(node, text) {
    node.textContent = text || "";
    show(node, Boolean(text));
  }

  // One call to the admin API with the signed-in operator's token. 401: the session is over (sign in
  // again); 403: signed in, but not an operator.
  async function call(method, path, body) {
    var bearer = auth ? await auth.token() : null;
    if (!bearer) {
      signedOut(W.expired);
      return { ok: false, status: 401, error: "UNAUTHORIZED", message: W.expired, handled: true };
    }
    var result = await PC.api(method, "/admin" + path, body, bearer);
    if (result.status === 401) {
      await auth.signOut();
      signedOut(W.expired);
      result.handled = true;
    } else if (result.status === 403) {
      await auth.signOut();
      signedOut(W.forbidden);
      result.handled = true;
    }
    return result;
  }

  // ---- sign-in ----

  function fieldError(id, text) {
    var input = el(id);
    var error = el(id + "-error");
    error.textContent = text || "";
    show(error, Boolean(text));
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function showSignIn(notice) {
    stopTimers();
    closeDrawer(true);
    show(el("console-nav"), false);
    show(el("who"), false);
    show(el("queue"), false);
    show(el("partners"), false);
    show(el("signin"), true);
    show(el("signin-form"), true);
    show(el("challenge-form"), false);
    setError(el("signin-notice"), notice || "");
    setError(el("signin-error"), "");
    el("password").value = "";
    PC.title("로그인 · " + W.title);
    state.view = null;
  }

  function signedOut(notice) {
    showSignIn(notice);
    el("signin-title").focus();
  }

  function setSigningIn(busy, button, label) {
    button.disabled = busy;
    button.textContent = busy ? W.signingIn : label;
  }

  function handleSignInResult(result, button, label) {
    setSigningIn(false, button, label);
    if (result.ok) {
      el("password").value = "";
      el("challenge-answer").value = "";
      enterConsole(true);
      return;
    }
    if (result.challenge) {
      var words = W.challenges[result.challenge] || W.challenges.SOFTWARE_TOKEN_MFA;
      show(el("signin-form"), false);
      show(el("challenge-form"), true);
      el("challenge-text").textContent = result.message || words.text;
      el("challenge-label").textContent = words.label;
      var password = result.challenge === "NEW_PASSWORD_REQUIRED";
      el("challenge-answer").type = password ? "password" : "text";
      el("challenge-answer").autocomplete = password ? "new-password" : "one-time-code";
      el("challenge-answer").inputMode = password ? "text" : "numeric";
      el("challenge-answer").value = "";
      el("challenge-secret").textContent = result.secret || "";
      show(el("challenge-secret-row"), Boolean(result.secret));
      fieldError("challenge-answer", button.id === "challenge-submit" ? result.message || "" : "");
      el("challenge-answer").focus();
      return;
    }
    var message = result.message || PC.words.errors[500];
    if (button.id === "challenge-submit" && auth.pending()) {
      fieldError("challenge-answer", message);
      el("challenge-answer").focus();
    } else {
      show(el("challenge-form"), false);
      show(el("signin-form"), true);
      setError(el("signin-error"), message);
      el("password").focus();
    }
  }

  async function onSignIn(event) {
    event.preventDefault();
    if (!auth) {
      setError(el("signin-error"), W.noAuthModule);
      return;
    }
    var username = el("username").value.trim();
    var password = el("password").value;
    fieldError("username", username ? "" : W.required.username);
    fieldError("password", password ? "" : W.required.password);
    if (!username) return el("username").focus();
    if (!password) return el("password").focus();
    setError(el("signin-error"), "");
    setError(el("signin-notice"), "");
    var button = el("signin-submit");
    setSigningIn(true, button, W.signIn);
    handleSignInResult(await auth.signIn(username, password), button, W.signIn);
  }

  async function onChallenge(event) {
    event.preventDefault();
    var answer = el("challenge-answer").value.trim();
    fieldError("challenge-answer", answer ? "" : W.required.answer);
    if (!answer) return el("challenge-answer").focus();
    var button = el("challenge-submit");
    setSigningIn(true, button, "확인");
    handleSignInResult(await auth.respond(answer), button, "확인");
  }

  async function onSignOut() {
    stopTimers();
    closeDrawer(true);
    if (auth) await auth.signOut();
    showSignIn(W.signedOut);
    el("signin-title").focus();
    announce(W.signedOut);
  }

  // ---- the console's two views ----

  function enterConsole(focus) {
    var user = auth && auth.user();
    el("who-name").textContent = user ? W.signedInAs(user.email || user.username) : "";
    show(el("signin"), false);
    show(el("console-nav"), true);
    show(el("who"), true);
    route(focus);
    startTimers();
  }

  function route(focus) {
    var view = window.location.hash === "#partners" ? "partners" : "queue";
    state.view = view;
    show(el("queue"), view === "queue");
    show(el("partners"), view === "partners");
    el("nav-queue").toggleAttribute("aria-current", false);
    el("nav-partners").toggleAttribute("aria-current", false);
    el(view === "queue" ? "nav-queue" : "nav-partners").setAttribute("aria-current", "page");
    PC.title((view === "queue" ? "문의 목록 · " : "업체 현황 · ") + W.title);
    if (focus) el(view + "-title").focus();
    refresh();
  }

  function startTimers() {
    stopTimers();
    refreshTimer = window.setInterval(function () {
      if (!document.hidden) refresh(true);
    }, REFRESH_MS);
    tickTimer = window.setInterval(tick, 1000);
  }

  function stopTimers() {
    window.clearInterval(refreshTimer);
    window.clearInterval(tickTimer);
    refreshTimer = tickTimer = null;
  }

  function refresh(background) {
    if (state.view === "queue") loadQueue(background);
    else if (state.view === "partners") loadPartners(background);
    if (state.detailId && el("drawer").open && !state.action) loadDetail(state.detailId, true);
  }

  // ---- the queue ----

  async function fetchStatus(status, cursor) {
    var query = "?limit=" + PAGE_SIZE + (status === "open" ? "" : "&status=" + encodeURIComponent(status));
    if (cursor) query += "&cursor=" + encodeURIComponent(cursor);
    return call("GET", "/requests" + query);
  }

  async function loadQueue(background) {
    var tab = state.tab;
    if (!background) el("updated").textContent = W.refreshing;
    var calls = [fetchStatus(tab)];
    RECENT_TABS.forEach(function (status) {
      if (status !== tab) calls.push(fetchStatus(status));
    });
    var results = await Promise.all(calls);
    if (results.some(function (r) { return r.handled; }) || tab !== state.tab || state.view !== "queue") return;
    var main = results[0];
    var others = results.slice(1);
    RECENT_TABS.filter(function (s) { return s !== tab; }).forEach(function (status, index) {
      if (others[index].ok) state.recent[status] = (others[index].data.items || []).filter(isRecent);
    });
    if (!main.ok) {
      var keep = state.rows.length > 0;
      setError(el("queue-error"), keep ? W.refreshFailed(main.message) : W.loadFailed(main.message));
      if (!keep) show(el("queue-table-wrap"), false);
      el("updated").textContent = "";
      renderRecent();
      return;
    }
    setError(el("queue-error"), "");
    state.rows = main.data.items || [];
    state.cursor = main.data.cursor || null;
    if (RECENT_TABS.indexOf(tab) >= 0) state.recent[tab] = state.rows.filter(isRecent);
    renderQueue();
    renderRecent();
    el("updated").textContent = W.updated(PC.formatClock(new Date()));
  }

  async function loadMore() {
    var button = el("queue-more");
    button.disabled = true;
    var tab = state.tab;
    var result = await fetchStatus(tab, state.cursor);
    button.disabled = false;
    if (result.handled || tab !== state.tab) return;
    if (!result.ok) return setError(el("queue-error"), W.loadFailed(result.message));
    state.rows = state.rows.concat(result.data.items || []);
    state.cursor = result.data.cursor || null;
    renderQueue();
  }

  function renderRecent() {
    var timeouts = state.recent.Timeout.length;
    var failures = state.recent.Failed.length;
    RECENT_TABS.forEach(function (status) {
      var badge = el("badge-" + status);
      var count = state.recent[status].length;
      badge.textContent = count ? " " + count : "";
      show(badge, count > 0);
      el("tab-" + status).setAttribute(
        "aria-label",
        el("tab-" + status).firstChild.textContent + (count ? ", " + W.recentCount(count) : "")
      );
    });
    var alert = el("recent-alert");
    alert.textContent = timeouts || failures ? W.recent(timeouts, failures) : "";
    show(alert, Boolean(timeouts || failures));
  }

  function renderQueue() {
    var body = el("queue-rows");
    // A refresh replaces the rows: a keyboard user's focus stays on the same request's row.
    var focused = document.activeElement;
    var keepFocus = focused && body.contains(focused) && focused.dataset ? focused.dataset.requestId : null;
    body.textContent = "";
    var rows = state.rows;
    var empty = rows.length === 0;
    show(el("queue-table-wrap"), !empty);
    setError(el("queue-empty"), empty ? W.empty[state.tab] || W.empty.open : "");
    show(el("queue-more"), Boolean(state.cursor) && !empty);
    el("queue-caption").textContent = el("tab-" + state.tab).firstChild.textContent + " " + W.rows(rows.length);
    rows.forEach(function (row) {
      body.append(queueRow(row));
    });
    if (keepFocus) focusRow(keepFocus);
  }

  function queueRow(row) {
    var tr = make("tr");
    tr.dataset.requestId = row.requestId;
    var recentTrouble = (row.status === "Timeout" || row.status === "Failed") && isRecent(row);
    if (recentTrouble) tr.className = "row-alert";

    var first = make("th");
    first.scope = "row";
    var open = make("button", "link-button", row.reservationNumber || row.requestId);
    open.type = "button";
    open.dataset.requestId = row.requestId;
    open.setAttribute("aria-label", W.openRequest(row.reservationNumber || row.requestId));
    first.append(open);
    tr.append(first);

    var status = make("td");
    var badge = make("span", "status status-" + row.status, statusLabel(row.status));
    status.append(badge);
    if (recentTrouble) status.append(" ", make("span", "recent-badge", W.recentBadge));
    tr.append(status);

    var deadline = make("td", "deadline-cell");
    if (row.partnerDeadline && WAITING[row.status]) {
      var left = make("span", "countdown", countdownText(row.partnerDeadline));
      left.dataset.deadline = row.partnerDeadline;
      deadline.append(left);
    } else {
      deadline.textContent = row.partnerDeadline ? PC.formatClock(row.partnerDeadline) : W.noDeadline;
    }
    tr.append(deadline);
    tr.append(make("td", "", row.partnerName || W.noPartner));
    tr.append(make("td", "", PC.intentLabel(row.intent)));
    var created = make("td");
    created.append(timeNode(row.createdAt, W.ago(row.ageSeconds || 0)));
    tr.append(created);

    var last = make("td");
    if (row.lastEvent) {
      last.append(eventLabel(row.lastEvent.type), make("br"));
      last.append(timeNode(row.lastEvent.at, PC.formatDateTime(row.lastEvent.at)));
      var by = row.closedBy || row.answeredBy;
      if (by) last.append(make("br"), make("span", "when", W.by(by)));
    } else {
      last.textContent = "-";
    }
    tr.append(last);
    return tr;
  }

  function timeNode(iso, text) {
    var node = make("time", "when", text);
    if (iso) {
      node.dateTime = iso;
      node.title = PC.formatDateTime(iso);
    }
    return node;
  }

  function tick() {
    Array.prototype.forEach.call(document.querySelectorAll(".countdown[data-deadline]"), function (node) {
      var text = countdownText(node.dataset.deadline);
      if (node.textContent !== text) node.textContent = text;
      node.classList.toggle("countdown-over", text === W.deadlinePassed);
    });
  }

  function selectTab(status, focus) {
    state.tab = status;
    Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (tab) {
      var selected = tab.dataset.status === status;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected && focus) tab.focus();
    });
    el("queue-panel").setAttribute("aria-labelledby", "tab-" + status);
    state.rows = [];
    state.cursor = null;
    el("queue-rows").textContent = "";
    show(el("queue-empty"), false);
    loadQueue(false);
  }

  function onTabKey(event) {
    var tabs = Array.prototype.slice.call(document.querySelectorAll(".tab"));
    var index = tabs.indexOf(event.target);
    if (index < 0) return;
    var next = null;
    if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
    else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
    else if (event.key === "Home") next = tabs[0];
    else if (event.key === "End") next = tabs[tabs.length - 1];
    if (!next) return;
    event.preventDefault();
    selectTab(next.dataset.status, true);
  }

  // ---- the partners table ----

  async function loadPartners(background) {
    var days = state.days;
    var result = await call("GET", "/partners?days=" + days);
    if (result.handled || days !== state.days || state.view !== "partners") return;
    if (!result.ok) {
      setError(el("partners-error"), W.partners.loadFailed(result.message));
      if (!state.partners.length) show(el("partners-table-wrap"), false);
      return;
    }
    setError(el("partners-error"), "");
    state.partners = result.data.items || [];
    renderPartners();
    if (!background) announce(el("partners-title").textContent + " " + W.rows(state.partners.length));
  }

  function compare(a, b, key) {
    var x = a[key];
    var y = b[key];
    var missingX = x === null || x === undefined;
    var missingY = y === null || y === undefined;
    if (missingX || missingY) return missingX === missingY ? 0 : missingX ? 1 : -1;
    if (key === "lastAnswerAt") return toMs(x) - toMs(y);
    if (typeof x === "string") return x.localeCompare(y, "ko");
    return x - y;
  }

  function renderPartners() {
    var sort = state.sort;
    var items = state.partners.slice().sort(function (a, b) {
      var missing = (a[sort.key] === null || a[sort.key] === undefined) - (b[sort.key] === null || b[sort.key] === undefined);
      if (missing) return missing; // rows without a value stay last either way
      var order = compare(a, b, sort.key);
      return (sort.ascending ? order : -order) || compare(a, b, "partnerName");
    });
    var body = el("partners-rows");
    body.textContent = "";
    var empty = items.length === 0;
    show(el("partners-table-wrap"), !empty);
    setError(el("partners-empty"), empty ? W.partners.empty(state.days) : "");
    var none = W.partners.none;
    items.forEach(function (p) {
      var tr = make("tr");
      if (p.requests > 0 && p.answerRate !== null && p.answerRate < 0.5) tr.className = "row-alert";
      var name = make("th", "", p.partnerName || p.partnerId);
      name.scope = "row";
      tr.append(name);
      tr.append(make("td", "num", p.requests));
      tr.append(make("td", "num", p.answered));
      tr.append(make("td", "num", p.timedOut));
      tr.append(make("td", "num", p.answerRate === null || p.answerRate === undefined ? none : W.partners.rate(p.answerRate)));
      tr.append(
        make("td", "num", p.medianAnswerSeconds === null || p.medianAnswerSeconds === undefined ? none : W.partners.duration(p.medianAnswerSeconds))
      );
      var last = make("td");
      if (p.lastAnswerAt) last.append(timeNode(p.lastAnswerAt, PC.formatDateTime(p.lastAnswerAt)));
      else last.textContent = none;
      tr.append(last);
      body.append(tr);
    });
    Array.prototype.forEach.call(document.querySelectorAll("#partners-table th[data-key]"), function (th) {
      if (th.dataset.key === sort.key) th.setAttribute("aria-sort", sort.ascending ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
  }

  function onSort(event) {
    var button = event.target.closest("button.sort");
    if (!button) return;
    var key = button.parentElement.dataset.key;
    state.sort = { key: key, ascending: state.sort.key === key ? !state.sort.ascending : true };
    renderPartners();
    announce(W.partners.sorted(button.textContent, state.sort.ascending));
  }

  // ---- the drawer ----

  function openDrawer(requestId, opener) {
    state.detailId = requestId;
    state.detail = null;
    state.opener = opener || null;
    ["customer", "partner"].forEach(function (who) {
      delete el("d-" + who + "-phone").dataset.revealedFor; // a number revealed before is masked again
    });
    endAction();
    show(el("action-done"), false);
    show(el("reveal-error"), false);
    show(el("drawer-content"), false);
    show(el("drawer-error"), false);
    show(el("drawer-loading"), true);
    el("drawer-loading").textContent = W.drawerLoading;
    el("drawer-title").textContent = W.drawerLoading;
    var drawer = el("drawer");
    if (!drawer.open) drawer.showModal();
    el("drawer-title").focus();
    loadDetail(requestId, false);
  }

  function closeDrawer(silent) {
    var drawer = el("drawer");
    state.detailId = null;
    state.detail = null;
    endAction();
    if (drawer.open) drawer.close();
    if (!silent && state.opener && document.body.contains(state.opener)) state.opener.focus();
    else if (!silent && state.opener) focusRow(state.opener.dataset.requestId);
    state.opener = null;
  }

  function focusRow(requestId) {
    var button = document.querySelector('.link-button[data-request-id="' + CSS.escape(requestId) + '"]');
    if (button) button.focus();
    else el("queue-title").focus();
  }

  async function loadDetail(requestId, background) {
    var result = await call("GET", "/requests/" + encodeURIComponent(requestId));
    if (result.handled || state.detailId !== requestId) return;
    show(el("drawer-loading"), false);
    if (!result.ok) {
      if (background && state.detail) return; // keep what is shown; the next refresh tries again
      setError(el("drawer-error"), result.status === 404 ? W.notFound : W.drawerFailed(result.message));
      el("drawer-title").textContent = W.drawerFailed("").trim();
      return;
    }
    state.detail = result.data;
    renderDetail(result.data);
  }

  function renderDetail(d) {
    el("drawer-title").textContent = W.drawerTitle(d.reservationNumber || d.requestId);
    var status = el("d-status");
    status.className = "status status-" + d.status;
    status.textContent = statusLabel(d.status);
    el("d-intent").textContent = PC.intentLabel(d.intent);
    el("d-partner").textContent = d.partnerName || W.noPartner;
    el("d-created").textContent = PC.formatDateTime(d.createdAt);
    var waiting = Boolean(WAITING[d.status]);
    show(el("d-deadline-row"), Boolean(d.partnerDeadline));
    el("d-deadline").textContent = d.partnerDeadline ? PC.formatDateTime(d.partnerDeadline) : "";
    var left = el("d-left");
    if (d.partnerDeadline && waiting) {
      left.dataset.deadline = d.partnerDeadline;
      left.textContent = countdownText(d.partnerDeadline);
    } else {
      delete left.dataset.deadline;
      left.textContent = "";
    }
    renderPhone("customer", d.customerPhone);
    renderPhone("partner", d.partnerPhone);
    el("d-query").textContent = d.customerQuery || "-";

    var failure = d.failure;
    show(el("d-failure-box"), Boolean(failure));
    el("d-failure-error").textContent = failure ? failure.error || "" : "";
    el("d-failure-cause").textContent = failure ? failure.cause || "" : "";

    var notice = d.notification;
    el("d-notice").textContent = notice ? notice.message : W.noNotification;
    el("d-notice-source").textContent = notice ? W.sources[notice.source] || notice.source || "" : "";

    renderTimeline(d.events || []);
    renderAttempts(d.smsAttempts || []);
    renderActions(d);
    show(el("drawer-content"), true);
    tick();
  }

  function renderPhone(who, masked) {
    var node = el("d-" + who + "-phone");
    if (node.dataset.revealedFor === state.detailId) return; // keep a number the operator just revealed
    node.textContent = masked || "-";
    delete node.dataset.revealedFor;
  }

  function renderTimeline(events) {
    var list = el("d-timeline");
    list.textContent = "";
    if (!events.length) list.append(make("li", "note", W.noEvents));
    events.forEach(function (event) {
      var item = make("li", "event event-" + event.type);
      var head = make("p", "event-head");
      head.append(make("strong", "", eventLabel(event.type)), " ");
      head.append(timeNode(event.at, PC.formatDateTime(event.at)));
      item.append(head);
      var details = [];
      if (event.response) {
        var words = PC.answerWords(state.detail && state.detail.intent, event.response);
        details.push(words ? words.label : event.response);
      }
      if (event.alternativeTime) details.push(PC.words.customer.proposedTime(PC.formatDateTime(event.alternativeTime)));
      if (event.who) details.push(W.revealedWho[event.who] || event.who);
      if (event.by) details.push(W.by(event.by));
      if (event.reason) details.push(String(event.reason));
      if (details.length) item.append(make("p", "event-detail", details.join(" · ")));
      if (event.note) item.append(make("blockquote", "event-note", event.note));
      list.append(item);
    });
  }

  function renderAttempts(attempts) {
    var body = el("d-sms");
    body.textContent = "";
    show(el("d-sms-wrap"), attempts.length > 0);
    setError(el("d-sms-empty"), attempts.length ? "" : W.noAttempts);
    attempts.forEach(function (a) {
      var tr = make("tr");
      var at = make("td");
      at.append(timeNode(a.at, PC.formatDateTime(a.at)));
      tr.append(at, make("td", "", a.to || "-"), make("td", "", W.attemptKinds[a.kind] || a.kind || "-"));
      tr.append(make("td", "", W.attemptOutcomes[a.outcome] || a.outcome || "-"));
      body.append(tr);
    });
  }

  function allowedActions(d) {
    if (Array.isArray(d.allowedActions)) return d.allowedActions;
    return WAITING[d.status] ? ["resend-link", "answer", "close"] : [];
  }

  function renderActions(d) {
    var allowed = allowedActions(d);
    var canReveal = !Array.isArray(d.allowedActions) || d.allowedActions.indexOf("reveal") >= 0;
    Array.prototype.forEach.call(document.querySelectorAll("[data-reveal]"), function (button) {
      var revealed = el("d-" + button.dataset.reveal + "-phone").dataset.revealedFor === state.detailId;
      var masked = button.dataset.reveal === "customer" ? d.customerPhone : d.partnerPhone;
      show(button, canReveal && Boolean(masked) && !revealed);
    });
    allowed = allowed.filter(function (name) {
      return name !== "reveal";
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-action]"), function (button) {
      show(button, allowed.indexOf(button.dataset.action) >= 0 && !state.action);
    });
    setError(el("actions-none"), allowed.length || state.action ? "" : W.noActions);
    // The answer's three choices in the words the partner would have used for this intent.
    ["accept", "reject", "alternative"].forEach(function (response) {
      var words = PC.answerWords(d.intent, response);
      if (words) el("answer-" + response + "-label").textContent = words.label;
    });
  }

  // ---- actions: input, then a confirmation step, then the call ----

  function startAction(name) {
    var d = state.detail;
    if (!d) return;
    var words = W.actions[name];
    state.action = { name: name, step: name === "resend-link" ? "confirm" : "input", body: {} };
    el("action-form").reset();
    ["response-error", "alternative-time-error", "action-note-error"].forEach(function (id) {
      show(el(id), false);
    });
    el("action-note").removeAttribute("aria-invalid");
    el("alternative-time").removeAttribute("aria-invalid");
    show(el("alt-field"), false);
    show(el("action-done"), false);
    setError(el("action-error"), "");
    el("action-title").textContent = words.title;
    el("action-describe").textContent = words.describe(maskedPartnerPhone());
    show(el("answer-fields"), name === "answer");
    show(el("note-field"), name !== "resend-link");
    if (name !== "resend-link") {
      el("action-note-label").textContent = W.noteLabels[name];
      el("action-note-hint").textContent = name === "close" ? W.noteHints.close(NOTE_MAX) : W.noteHints.answer;
    }
    if (name === "answer") {
      var tomorrow = new Date(Date.now() + DAY_MS);
      el("alternative-time").min = PC.kstInputValue(new Date());
      el("alternative-time").value = PC.kstInputValue(tomorrow).slice(0, 11) + "15:00";
    }
    show(el("action-form"), true);
    renderActions(d);
    if (state.action.step === "confirm") {
      state.action.body = {};
      showConfirm(words.describe(maskedPartnerPhone()), "");
    } else {
      showInput();
    }
    el("action-title").focus();
  }

  function maskedPartnerPhone() {
    return (state.detail && state.detail.partnerPhone) || "";
  }

  function setInputsDisabled(disabled) {
    Array.prototype.forEach.call(
      el("action-form").querySelectorAll("input, textarea"),
      function (input) {
        input.disabled = disabled;
      }
    );
  }

  function showInput() {
    state.action.step = "input";
    setInputsDisabled(false);
    show(el("action-confirm"), false);
    el("action-submit").textContent = W.next;
    el("action-cancel").textContent = "취소";
  }

  function showConfirm(text, note) {
    var words = W.actions[state.action.name];
    state.action.step = "confirm";
    setInputsDisabled(true);
    el("action-confirm-text").textContent = text;
    el("action-confirm-note").textContent = note || "";
    show(el("action-confirm-note"), Boolean(note));
    show(el("action-confirm"), true);
    el("action-submit").textContent = words.confirm;
    el("action-cancel").textContent = state.action.name === "resend-link" ? "취소" : W.back;
  }

  function endAction() {
    state.action = null;
    show(el("action-form"), false);
    setInputsDisabled(false);
    if (state.detail) renderActions(state.detail);
  }

  function validateInput() {
    var name = state.action.name;
    var note = el("action-note").value.trim();
    var body = {};
    var problem = null;
    var noteError = "";
    if ([...note].length > NOTE_MAX) noteError = W.noteTooLong([...note].length, NOTE_MAX);
    else if (!note) noteError = name === "close" ? W.noteRequired : W.noteRequiredAnswer;
    fieldError("action-note", noteError);
    if (noteError) problem = problem || el("action-note");
    body.note = note;
    if (name === "answer") {
      var picked = el("action-form").querySelector('input[name="response"]:checked');
      setError(el("response-error"), picked ? "" : W.pickAnswer);
      if (!picked) problem = el("answer-accept");
      else body.response = picked.value;
      if (picked && picked.value === "alternative") {
        var when = PC.parseKstInput(el("alternative-time").value);
        var timeError = !when ? W.pickTime : when.getTime() <= Date.now() ? W.timeInPast : "";
        fieldError("alternative-time", timeError);
        if (timeError) problem = problem || el("alternative-time");
        else body.alternativeTime = PC.kstIso(when);
      } else {
        fieldError("alternative-time", "");
      }
    }
    if (problem) {
      problem.focus();
      return null;
    }
    return body;
  }

  function confirmText(body) {
    var name = state.action.name;
    var words = W.actions[name];
    if (name === "answer") {
      var answer = PC.answerWords(state.detail.intent, body.response);
      var when = body.alternativeTime ? PC.formatDateTime(body.alternativeTime) : "";
      return words.confirmText(answer ? answer.label : body.response, when);
    }
    return words.confirmText();
  }

  async function onActionSubmit(event) {
    event.preventDefault();
    if (!state.action || state.busy) return;
    if (state.action.step === "input") {
      var body = validateInput();
      if (!body) return;
      state.action.body = body;
      showConfirm(confirmText(body), state.action.name === "close" ? body.note : "");
      el("action-submit").focus();
      return;
    }
    await sendAction();
  }

  async function sendAction() {
    var action = state.action;
    var requestId = state.detailId;
    var words = W.actions[action.name];
    var button = el("action-submit");
    state.busy = true;
    button.disabled = true;
    button.textContent = W.sending;
    setError(el("action-error"), "");
    var result = await call("POST", "/requests/" + encodeURIComponent(requestId) + "/" + action.name, action.body);
    state.busy = false;
    button.disabled = false;
    button.textContent = words.confirm;
    if (result.handled || state.detailId !== requestId) return;
    if (!result.ok) {
      if (result.status === 400 && result.field === "note" && state.action.name !== "resend-link") {
        showInput(); // back to the note, with the API's own words
        fieldError("action-note", result.message);
        el("action-note").focus();
        return;
      }
      setError(el("action-error"), W.refused[result.error] || result.message);
      button.focus();
      return;
    }
    endAction();
    setError(el("action-done"), words.done);
    announce(words.done);
    el("actions-title").setAttribute("tabindex", "-1");
    el("actions-title").focus();
    await loadDetail(requestId, true);
    if (state.view === "queue") loadQueue(true);
  }

  function onActionCancel() {
    if (!state.action) return;
    var name = state.action.name;
    if (state.action.step === "confirm" && name !== "resend-link") {
      showInput();
      el("action-title").focus();
      return;
    }
    endAction();
    var button = document.querySelector('[data-action="' + name + '"]');
    if (button && !button.hidden) button.focus();
  }

  async function onReveal(event) {
    var button = event.target.closest("[data-reveal]");
    if (!button || !state.detailId) return;
    var who = button.dataset.reveal;
    var requestId = state.detailId;
    button.disabled = true;
    var label = button.textContent;
    button.textContent = W.revealing;
    var result = await call("POST", "/requests/" + encodeURIComponent(requestId) + "/reveal", { who: who });
    button.disabled = false;
    button.textContent = label;
    if (result.handled || state.detailId !== requestId) return;
    if (!result.ok) return setError(el("reveal-error"), W.revealFailed(result.message));
    setError(el("reveal-error"), "");
    var node = el("d-" + who + "-phone");
    node.textContent = "";
    var link = make("a", "", result.data.phone);
    link.href = "tel:" + String(result.data.phone).replace(/[^\d+]/g, "");
    node.append(link);
    node.dataset.revealedFor = requestId;
    show(button, false);
    announce(W.revealed(who, result.data.phone));
    link.focus();
    loadDetail(requestId, true);
  }

  // ---- wiring ----

  function init() {
    el("signin-form").addEventListener("submit", onSignIn);
    el("challenge-form").addEventListener("submit", onChallenge);
    el("sign-out").addEventListener("click", onSignOut);
    el("refresh").addEventListener("click", function () {
      loadQueue(false);
    });
    el("queue-more").addEventListener("click", loadMore);
    Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (tab) {
      tab.addEventListener("click", function () {
        selectTab(tab.dataset.status, false);
      });
      tab.addEventListener("keydown", onTabKey);
    });
    el("queue-rows").addEventListener("click", function (event) {
      var button = event.target.closest(".link-button");
      if (button) openDrawer(button.dataset.requestId, button);
    });
    el("partners-table").addEventListener("click", onSort);
    Array.prototype.forEach.call(document.querySelectorAll('input[name="days"]'), function (radio) {
      radio.addEventListener("change", function () {
        state.days = Number(radio.value);
        loadPartners(false);
      });
    });
    el("drawer-close").addEventListener("click", function () {
      closeDrawer(false);
    });
    el("drawer").addEventListener("cancel", function (event) {
      event.preventDefault(); // Escape: close through the same path, so focus returns to the row
      if (state.action && !state.busy) onActionCancel();
      else closeDrawer(false);
    });
    el("drawer").addEventListener("click", function (event) {
      if (event.target === el("drawer")) closeDrawer(false); // a click on the backdrop
    });
    el("action-buttons").addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (button) startAction(button.dataset.action);
    });
    Array.prototype.forEach.call(document.querySelectorAll('input[name="response"]'), function (radio) {
      radio.addEventListener("change", function () {
        show(el("alt-field"), radio.value === "alternative" && radio.checked);
        setError(el("response-error"), "");
      });
    });
    el("action-form").addEventListener("submit", onActionSubmit);
    el("action-cancel").addEventListener("click", onActionCancel);
    el("drawer-content").addEventListener("click", onReveal);
    window.addEventListener("hashchange", function () {
      if (state.view) route(true);
    });
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && state.view) refresh(true);
    });

    if (!auth) {
      showSignIn();
      setError(el("signin-error"), W.noAuthModule);
      return;
    }
    if (auth.user() && auth.isOperator()) {
      enterConsole(false);
    } else if (auth.user()) {
      auth.signOut(); // a session kept from another account: the console is for operators only
      showSignIn(W.forbidden);
    } else {
      showSignIn();
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
