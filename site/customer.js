// The customer page: ask about a reservation, then follow the request until the notification arrives.
(function () {
  "use strict";

  var PC = window.PartnerConfirm;
  var el = PC.el;

  var W = PC.words.customer;
  var FIELDS = ["reservationNumber", "customerPhone", "message"];
  // The API's limits (handlers/models/chat.py); longer text is refused with its count, never cut.
  var LIMITS = { reservationNumber: 40, customerPhone: 32, message: 1000 };
  var COUNTED = { message: true }; // fields whose count is always on screen
  var TERMINAL = { Responded: true, Timeout: true, Failed: true, Closed: true };
  // Fast while a person is likely watching the first minutes, gentler afterwards; the partner wait is a
  // few minutes, so this is a few hundred small GETs per request in the worst case.
  var FAST_POLL_MS = 2000;
  var SLOW_POLL_MS = 5000;
  var FAST_PHASE_MS = 120000;
  // The notification is written after the terminal status (a model call can take seconds), so polling
  // continues for a while after a terminal status until it is there.
  var NOTICE_WAIT_MS = 90000;
  // What was typed survives a reload of the status page, so "새 문의하기" starts from it.
  var DRAFT_KEY = "partner-confirm-draft";

  var form = el("ask-form");
  var submitButton = el("submit");
  var sending = false;
  var poller = null;

  function announce(text) {
    var region = el("announcer");
    // Clearing first makes screen readers repeat a message that happens to equal the previous one.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  // ---- the form -------------------------------------------------------------------------------------

  function length(text) {
    return Array.from(text).length;
  }

  // A Korean mobile number in any usual form (the API's rule, handlers/models/phone.py).
  function looksLikeMobile(raw) {
    var compact = raw.normalize("NFKC").trim().replace(/[\s\-.()]/g, "");
    if (compact.indexOf("+82") === 0) {
      compact = compact.slice(3);
      if (compact.charAt(0) !== "0") compact = "0" + compact;
    }
    return /^01[016789][0-9]{7,8}$/.test(compact);
  }

  // The first thing wrong with a field as typed, or "" when it is fine.
  function fieldProblem(name) {
    var value = el(name).value.trim();
    if (!value) return W.required[name];
    var count = length(value);
    if (count > LIMITS[name]) return W.tooLong(W.labels[name], count, LIMITS[name]);
    if (name === "customerPhone" && !looksLikeMobile(value)) return W.phoneFormat;
    return "";
  }

  function setFieldError(name, message) {
    var input = el(name);
    var error = el(name + "-error");
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    error.textContent = message || "";
    PC.show(error, Boolean(message));
  }

  function renderCount(name) {
    var counter = el(name + "-count");
    if (!counter) return;
    var count = length(el(name).value.trim());
    counter.textContent = W.count(count, LIMITS[name]);
    counter.classList.toggle("counter-over", count > LIMITS[name]);
  }

  // As soon as a flagged field is fixed its error goes; while it is still wrong the error says why.
  function onFieldInput(name) {
    renderCount(name);
    saveDraft();
    if (!el(name).hasAttribute("aria-invalid")) {
      if (length(el(name).value.trim()) > LIMITS[name]) setFieldError(name, fieldProblem(name));
      return;
    }
    setFieldError(name, fieldProblem(name));
  }

  function clearErrors() {
    FIELDS.forEach(function (name) {
      setFieldError(name, "");
    });
    el("form-error").textContent = "";
    PC.show(el("form-error"), false);
  }

  function saveDraft() {
    var draft = {};
    FIELDS.forEach(function (name) {
      draft[name] = el(name).value;
    });
    try {
      window.sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    } catch (_) {
      // storage off (private mode): the fields still keep their text within this page
    }
  }

  function restoreDraft() {
    var draft = null;
    try {
      draft = JSON.parse(window.sessionStorage.getItem(DRAFT_KEY) || "null");
    } catch (_) {
      draft = null;
    }
    FIELDS.forEach(function (name) {
      if (draft && typeof draft[name] === "string" && !el(name).value) el(name).value = draft[name];
      renderCount(name);
    });
  }

  function setSending(value) {
    sending = value;
    submitButton.disabled = value;
    submitButton.textContent = value ? W.sending : W.submit;
    form.setAttribute("aria-busy", value ? "true" : "false");
  }

  // The body `POST /chat` takes, from the form as typed.
  function questionBody() {
    var body = {};
    FIELDS.forEach(function (name) {
      body[name] = el(name).value.trim();
    });
    return body;
  }

  async function onSubmit(event) {
    event.preventDefault();
    if (sending) return;
    clearErrors();
    var wrong = FIELDS.filter(function (name) {
      var problem = fieldProblem(name);
      // The phone's form is the API's to judge; here only what is plainly missing or too long.
      if (problem && !(name === "customerPhone" && problem === W.phoneFormat)) {
        setFieldError(name, problem);
        return true;
      }
      return false;
    });
    if (wrong.length) {
      el(wrong[0]).focus();
      return;
    }
    saveDraft();
    var body = questionBody();
    // Phone verification (verify.js): without a live customer token the question is not sent.
    var verification = PC.verification;
    var token = null;
    if (verification && verification.required) {
      token = verification.token(body);
      if (!token) return;
    }
    setSending(true);
    var result = await PC.api("POST", "/chat", body, token);
    setSending(false);
    var opened = result.ok ? result.data && result.data.requestId : null;
    // One open question per reservation: a second one (a double click, another tab) goes to the first.
    if (!result.ok && result.error === "REQUEST_OPEN" && result.data && result.data.requestId) {
      opened = result.data.requestId;
    }
    if (opened) {
      history.pushState(null, "", "?request=" + encodeURIComponent(opened));
      route();
      el("track-title").focus();
      if (!result.ok) announce(result.message);
      return;
    }
    if (result.error === "VERIFICATION_REQUIRED" && verification) {
      verification.refused(result.message);
      return;
    }
    if (result.status === 400 && FIELDS.indexOf(result.field) >= 0) {
      setFieldError(result.field, result.message);
      el(result.field).focus();
      return;
    }
    el("form-error").textContent = result.message;
    PC.show(el("form-error"), true);
  }

  // ---- the request timeline -------------------------------------------------------------------------

  function detail(event, key) {
    if (!event) return null;
    if (event[key] !== undefined && event[key] !== null) return event[key];
    return event.details && event.details[key] !== undefined ? event.details[key] : null;
  }

  function setStep(id, state, at, text, label) {
    var step = el(id);
    step.dataset.state = state;
    if (state === "current") step.setAttribute("aria-current", "step");
    else step.removeAttribute("aria-current");
    step.querySelector(".step-state").textContent = "(" + W.states[state] + ")";
    step.querySelector(".step-detail").textContent = text || "";
    var time = step.querySelector(".step-time");
    time.textContent = at ? PC.formatDateTime(at) : "";
    if (at) time.setAttribute("datetime", at);
    else time.removeAttribute("datetime");
    if (label) step.querySelector(".step-label").textContent = label;
  }

  function firstEvents(list) {
    var byType = {};
    (list || []).forEach(function (event) {
      if (event && event.type && !byType[event.type]) byType[event.type] = event;
    });
    return byType;
  }

  // The question as the customer sent it, and the business that answers it.
  function renderQuestion(data) {
    el("my-question-text").textContent = data.customerQuery || "";
    PC.show(el("my-question"), Boolean(data.customerQuery));
    el("track-partner").textContent = data.partnerName || "";
    PC.show(el("track-partner-row"), Boolean(data.partnerName));
  }

  // The partner's own words, shown as theirs and never mixed into the notification.
  function renderPartnerNote(data) {
    var note = data.partnerNote || "";
    el("partner-note-who").textContent = W.partnerSaid(data.partnerName);
    el("partner-note-text").textContent = note;
    PC.show(el("partner-note"), Boolean(note));
  }

  // Renders one status answer and returns a sentence describing it, for the live region.
  function render(data) {
    var events = firstEvents(data.events);
    var status = data.status;
    var terminal = TERMINAL[status] === true;
    var steps = W.steps;
    var at = function (type) {
      return events[type] ? events[type].at : null;
    };

    el("track-reservation").textContent = data.reservationNumber || "-";
    el("track-intent").textContent = PC.intentLabel(data.intent);
    renderQuestion(data);

    setStep("step-created", "done", at("Created"), steps.created);
    var summary = steps.created;

    if (events.SMSSent) {
      setStep("step-sms", "done", at("SMSSent"), steps.smsSent);
      summary = steps.smsSent;
      if (data.partnerDeadline && !terminal) summary += W.deadlineSummary(PC.formatDateTime(data.partnerDeadline));
    } else if (terminal) {
      setStep("step-sms", "skipped", null, steps.smsSkipped);
    } else {
      setStep("step-sms", "current", null, steps.finding);
    }

    var responded = status === "Responded" || Boolean(events.Responded);
    if (events.Opened || responded) {
      setStep("step-opened", "done", at("Opened"), steps.opened);
      summary = steps.opened;
    } else if (terminal) {
      setStep("step-opened", "skipped", null, status === "Timeout" ? steps.notOpened : "");
    } else if (events.SMSSent) {
      setStep("step-opened", "current", null, steps.waitingOpen);
    } else {
      setStep("step-opened", "pending", null, "");
    }

    if (status === "Responded") {
      var answered = events.Responded;
      var response = detail(answered, "response");
      var words = PC.answerWords(data.intent, response);
      var line = words ? words.customer : steps.answered;
      var alternativeTime = detail(answered, "alternativeTime");
      if (response === "alternative" && alternativeTime) {
        line += " " + W.proposedTime(PC.formatDateTime(alternativeTime));
      }
      setStep("step-outcome", "done", at("Responded"), line, words ? W.answerLabel(words.label) : steps.answerLabel);
      summary = line;
    } else if (status === "Timeout") {
      setStep("step-outcome", "warning", at("Timeout"), steps.timeout, steps.timeoutLabel);
      summary = steps.timeout;
    } else if (status === "Failed") {
      var reason = data.failureReason || steps.failed;
      setStep("step-outcome", "failed", at("Failed"), reason, steps.failedLabel);
      summary = steps.failed + " " + reason;
    } else if (status === "Closed") {
      // An operator ended the request; their note reaches the customer as the notification.
      setStep("step-outcome", "done", at("Closed"), steps.closed, steps.closedLabel);
      summary = steps.closed;
    } else if (events.Opened) {
      setStep("step-outcome", "current", null, steps.waitingAnswer, steps.answerLabel);
    } else if (data.partnerDeadline) {
      setStep("step-outcome", "pending", null, steps.waitingAnswer, steps.answerLabel);
    } else {
      setStep("step-outcome", "pending", null, steps.deadlineLater, steps.answerLabel);
    }
    renderReply(data, events);
    PC.show(el("sms-promise"), Boolean(data.customerSms) && !terminal);
    showDeadline(terminal ? null : data.partnerDeadline);
    // Whom to call when the question could not be settled here.
    if (status === "Timeout" || status === "Failed") PC.renderSupport(el("track-support"), W.call);
    else PC.show(el("track-support"), false);

    var notification = data.notification;
    if (notification && notification.message) {
      el("notice-text").textContent = notification.message;
      renderPartnerNote(data);
      el("notice").classList.toggle("notice-timeout", status === "Timeout");
      el("notice").classList.toggle("notice-failed", status === "Failed");
      PC.show(el("notice"), true);
      PC.show(el("notice-pending"), false);
      summary = W.noticeArrived + notification.message;
      if (data.partnerNote) summary += " " + W.partnerSaid(data.partnerName) + ": " + data.partnerNote;
    } else {
      PC.show(el("notice"), false);
      PC.show(el("notice-pending"), true);
      el("notice-pending-text").textContent = terminal ? W.writingNotice : W.waiting;
    }
    return summary;
  }

  // ---- the answer to a proposed time (issue 12) ------------------------------------------------------

  var reply = { requestId: null, reservationNumber: null, choice: null, busy: false };

  function replyOpen(data) {
    return Boolean(data.replyUntil) && !data.reply && new Date(data.replyUntil).getTime() > Date.now();
  }

  // The timeline line of the reply, and the panel that sends it while the proposal can be answered.
  function renderReply(data, events) {
    var R = W.reply;
    var step = el("step-reply");
    var said = events.CustomerConfirmed || events.CustomerDeclined;
    var asked = Boolean(data.replyUntil) || Boolean(said);
    PC.show(step, asked);
    var open = replyOpen(data);
    var until = data.replyUntil ? PC.formatDateTime(data.replyUntil) : "";
    if (said) setStep("step-reply", "done", said.at, R.events[said.type]);
    else if (open) setStep("step-reply", "current", null, R.waiting(until));
    else if (asked) setStep("step-reply", "skipped", null, R.closed);
    reply.requestId = data.requestId;
    reply.reservationNumber = data.reservationNumber;
    var proposed = detail(events.Responded, "alternativeTime");
    el("reply-lead").textContent = R.lead(proposed ? PC.formatDateTime(proposed) : "", until);
    PC.show(el("reply"), open);
  }

  function replyError(message) {
    el("reply-error").textContent = message || "";
    PC.show(el("reply-error"), Boolean(message));
  }

  function setReplyBusy(value) {
    reply.busy = value;
    ["reply-confirm", "reply-decline", "reply-send-code", "reply-confirm-code"].forEach(function (id) {
      el(id).disabled = value;
    });
    el("reply").setAttribute("aria-busy", value ? "true" : "false");
  }

  // Without a live customer token for this reservation, the phone is proven here first.
  function askToVerify(choice, message) {
    reply.choice = choice;
    PC.show(el("reply-verify"), true);
    replyError(message);
    el("reply-phone").focus();
  }

  async function sendReply(choice) {
    if (reply.busy) return;
    replyError("");
    var verification = PC.verification;
    var token = null;
    if (verification && verification.required) {
      token = verification.tokenFor(reply.reservationNumber);
      if (!token) return askToVerify(choice, W.reply.verifyFirst);
    }
    setReplyBusy(true);
    var path = "/requests/" + encodeURIComponent(reply.requestId) + "/reply";
    var result = await PC.api("POST", path, { choice: choice }, token);
    setReplyBusy(false);
    if (result.ok || result.error === "ALREADY_REPLIED") {
      PC.show(el("reply"), false);
      announce(result.ok ? result.data.message : result.message);
      if (poller) poller.tick(); // the reply in the timeline
      el("track-title").focus();
      return;
    }
    if (result.error === "VERIFICATION_REQUIRED" && verification) {
      verification.forget();
      return askToVerify(choice, result.message);
    }
    replyError(result.message);
  }

  async function replySendCode() {
    if (reply.busy) return;
    var phone = el("reply-phone").value.trim();
    if (!phone) return askToVerify(reply.choice, W.reply.phoneMissing);
    replyError("");
    setReplyBusy(true);
    var result = await PC.api("POST", "/verify", { reservationNumber: reply.reservationNumber, customerPhone: phone });
    setReplyBusy(false);
    if (!result.ok) {
      replyError(result.message);
      return;
    }
    PC.show(el("reply-code-step"), true);
    announce(W.reply.codeSent);
    el("reply-code").focus();
  }

  async function replyConfirmCode() {
    if (reply.busy) return;
    var code = el("reply-code").value.replace(/\D/g, "");
    if (code.length !== 6) {
      replyError(W.reply.codeDigits);
      el("reply-code").focus();
      return;
    }
    var phone = el("reply-phone").value.trim();
    var body = { reservationNumber: reply.reservationNumber, customerPhone: phone, code: code };
    setReplyBusy(true);
    var result = await PC.api("POST", "/verify/confirm", body);
    setReplyBusy(false);
    if (!result.ok || !result.data || !result.data.customerToken) {
      replyError(result.message);
      el("reply-code").focus();
      return;
    }
    PC.verification.remember(result.data, reply.reservationNumber, phone);
    PC.show(el("reply-verify"), false);
    PC.show(el("reply-code-step"), false);
    replyError("");
    if (reply.choice) sendReply(reply.choice);
  }

  // The wait is a deployment setting (minutes in AWS, shorter locally), so the page shows the deadline the
  // API reports rather than a fixed duration. The line stays in place (hidden by visibility) so its
  // appearance does not move the timeline.
  function remainingText(deadline) {
    var seconds = Math.ceil((new Date(deadline).getTime() - Date.now()) / 1000);
    if (!(seconds > 0)) return W.soon;
    if (seconds < 60) return W.secondsLeft(seconds);
    return W.minutesLeft(Math.ceil(seconds / 60));
  }

  function showDeadline(deadline) {
    var line = el("deadline");
    var time = el("deadline-time");
    if (!deadline) {
      line.dataset.shown = "false";
      return;
    }
    if (time.getAttribute("datetime") !== deadline) {
      time.setAttribute("datetime", deadline);
      time.textContent = PC.formatDateTime(deadline);
    }
    el("deadline-left").textContent = remainingText(deadline);
    line.dataset.shown = "true";
  }

  function showTrackError(message) {
    el("track-error").textContent = message;
    PC.show(el("track-error"), Boolean(message));
  }

  function Poller(requestId) {
    this.requestId = requestId;
    this.started = Date.now();
    this.terminalSince = null;
    this.failures = 0;
    this.timer = null;
    this.stopped = false;
    this.waitingForVisibility = false;
    this.lastSummary = "";
  }

  Poller.prototype.stop = function () {
    this.stopped = true;
    window.clearTimeout(this.timer);
  };

  Poller.prototype.schedule = function (ms) {
    var self = this;
    this.timer = window.setTimeout(function () {
      // A hidden tab does not need fresh answers; catch up as soon as it is visible again.
      if (document.hidden) self.waitingForVisibility = true;
      else self.tick();
    }, ms);
  };

  Poller.prototype.resume = function () {
    if (this.waitingForVisibility && !this.stopped) {
      this.waitingForVisibility = false;
      this.tick();
    }
  };

  Poller.prototype.tick = async function () {
    var result = await PC.api("GET", "/requests/" + encodeURIComponent(this.requestId));
    if (this.stopped) return;
    if (!result.ok) {
      if (result.status === 404 || result.status === 400) {
        showTrackError(W.unknownRequest);
        announce(W.unknownRequestShort);
        ["notice-pending", "track-meta", "track-steps", "track-address", "my-question"].forEach(function (id) {
          PC.show(el(id), false);
        });
        return;
      }
      this.failures += 1;
      showTrackError(result.message + W.retrying);
      this.schedule(Math.min(30000, FAST_POLL_MS * Math.pow(2, this.failures)));
      return;
    }
    this.failures = 0;
    showTrackError("");
    var data = result.data || {};
    var summary = render(data);
    if (summary !== this.lastSummary) {
      this.lastSummary = summary;
      announce(summary);
    }
    var terminal = TERMINAL[data.status] === true;
    if (terminal && data.notification) return;
    if (terminal) {
      this.terminalSince = this.terminalSince || Date.now();
      if (Date.now() - this.terminalSince > NOTICE_WAIT_MS) {
        PC.show(el("notice-pending"), false);
        showTrackError(W.noticeLate);
        PC.renderSupport(el("track-support"), W.call);
        return;
      }
    }
    this.schedule(Date.now() - this.started < FAST_PHASE_MS ? FAST_POLL_MS : SLOW_POLL_MS);
  };

  function resetTimeline() {
    ["step-created", "step-sms", "step-opened", "step-outcome"].forEach(function (id) {
      setStep(id, "pending", null, "");
    });
    el("step-outcome").querySelector(".step-label").textContent = W.steps.answerLabel;
    el("track-reservation").textContent = "-";
    el("track-intent").textContent = PC.words.unknownIntent;
    renderQuestion({});
    PC.show(el("track-support"), false);
    PC.show(el("notice"), false);
    PC.show(el("notice-pending"), false);
    ["reply", "reply-verify", "reply-code-step", "reply-error", "step-reply", "sms-promise"].forEach(function (id) {
      PC.show(el(id), false);
    });
    ["track-meta", "track-steps", "track-address"].forEach(function (id) {
      PC.show(el(id), true);
    });
    showDeadline(null);
    showTrackError("");
  }

  // ---- routing: the request id lives in the URL, so a reload or a shared link shows the same request ----

  function route() {
    if (poller) poller.stop();
    poller = null;
    var requestId = new URLSearchParams(window.location.search).get("request");
    PC.show(el("ask"), !requestId);
    PC.show(el("track"), Boolean(requestId));
    if (!requestId) {
      PC.title(W.askTitle);
      return;
    }
    PC.title(W.trackTitle);
    el("track-id").textContent = requestId;
    resetTimeline();
    poller = new Poller(requestId);
    poller.tick();
  }

  form.addEventListener("submit", onSubmit);
  FIELDS.forEach(function (name) {
    el(name).addEventListener("input", function () {
      onFieldInput(name);
    });
  });
  // A new question starts from what was typed last (the same reservation, most often).
  el("new-question").addEventListener("click", function (event) {
    event.preventDefault();
    history.pushState(null, "", "/");
    route();
    el("message").focus();
  });
  el("reply-confirm").addEventListener("click", function () {
    sendReply("confirm");
  });
  el("reply-decline").addEventListener("click", function () {
    sendReply("decline");
  });
  el("reply-send-code").addEventListener("click", replySendCode);
  el("reply-confirm-code").addEventListener("click", replyConfirmCode);
  el("reply-code").addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      replyConfirmCode();
    }
  });
  window.addEventListener("popstate", route);
  document.addEventListener("visibilitychange", function () {
    if (poller && !document.hidden) poller.resume();
  });
  restoreDraft();
  route();
})();
