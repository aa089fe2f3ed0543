// The partner page: opened from the SMS link /r/{token}; shows the customer's question and sends one answer
// in two taps: choose an answer, then send it from the confirm bar at the bottom of the screen.
(function () {
  "use strict";

  var PC = window.PartnerConfirm;
  var W = PC.words.partner;
  var PROBLEMS = PC.words.problems;
  var el = PC.el;

  var NOTE_MAX = 200;
  var STATUS_PROBLEM = { 401: "TOKEN_INVALID", 404: "NOT_FOUND", 409: "TOKEN_USED", 410: "WAIT_ENDED" };

  var token = readToken();
  var request = null;
  var choice = null;
  var sending = false;
  var deadline = null;
  var countdown = null;
  var choiceButtons = Array.prototype.slice.call(document.querySelectorAll(".choice"));

  function readToken() {
    var match = /^\/r\/([^/]+)\/?$/.exec(window.location.pathname);
    if (!match) return null;
    try {
      return decodeURIComponent(match[1]);
    } catch (_) {
      return null;
    }
  }

  function announce(text) {
    el("announcer").textContent = text;
  }

  function showOnly(id) {
    ["loading", "request", "done", "problem"].forEach(function (name) {
      PC.show(el(name), name === id);
    });
  }

  function showProblem(code, fallbackMessage, canRetry) {
    var problem = PROBLEMS[code] || { title: W.loadFailed, text: fallbackMessage || PC.words.errors[500], note: "" };
    stopCountdown();
    el("problem-title").textContent = problem.title;
    el("problem-text").textContent = problem.text;
    el("problem-note").textContent = problem.note;
    PC.show(el("problem-note"), Boolean(problem.note));
    PC.renderSupport(el("problem-support"), W.call);
    PC.show(el("retry"), Boolean(canRetry));
    PC.title(problem.title + " · ");
    showOnly("problem");
    el("problem-title").focus();
    announce(problem.title + ". " + problem.text);
  }

  function problemCode(result) {
    if (PROBLEMS[result.error]) return result.error;
    return STATUS_PROBLEM[result.status] || null;
  }

  // ---- the request ----------------------------------------------------------------------------------

  function parseDeadline(value) {
    if (value === null || value === undefined || value === "") return null;
    var date = typeof value === "number" ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
    return isNaN(date.getTime()) ? null : date;
  }

  function renderCountdown() {
    var left = Math.round((deadline.getTime() - Date.now()) / 1000);
    if (left <= 0) {
      // The wait is over: the buttons go, and the page says what the customer was told.
      if (!sending) showProblem("TOKEN_EXPIRED");
      return;
    }
    el("deadline").textContent = W.deadlineLeft(
      PC.formatClock(deadline),
      W.minutesSeconds(Math.floor(left / 60), left % 60),
    );
  }

  function stopCountdown() {
    window.clearInterval(countdown);
    countdown = null;
  }

  function labelButtons(intent) {
    choiceButtons.forEach(function (button) {
      button.textContent = PC.answerWords(intent, button.dataset.response).label;
    });
  }

  function renderRequest(data) {
    request = data;
    el("fact-intent").textContent = PC.intentLabel(data.intent);
    el("fact-reservation").textContent = data.reservationNumber || "-";
    el("fact-date").textContent = PC.formatReservationDate(data.reservationDate);
    el("fact-service").textContent = data.serviceType || "";
    PC.show(el("fact-service-row"), Boolean(data.serviceType));
    el("fact-query").textContent = data.customerQuery || "";
    el("request-lead").textContent = data.partnerName ? W.leadFor(data.partnerName) : W.lead;
    labelButtons(data.intent);
    deadline = parseDeadline(data.expiresAt);
    PC.show(el("deadline"), Boolean(deadline));
    showOnly("request");
    if (deadline) {
      renderCountdown();
      if (deadline.getTime() > Date.now()) countdown = window.setInterval(renderCountdown, 1000);
    }
  }

  async function load() {
    if (!token) {
      showProblem("TOKEN_INVALID");
      return;
    }
    showOnly("loading");
    var result = await PC.api("GET", "/confirm/" + encodeURIComponent(token));
    if (result.ok && result.data) {
      renderRequest(result.data);
      return;
    }
    var code = problemCode(result);
    showProblem(code, result.message, !code);
  }

  // ---- the answer -----------------------------------------------------------------------------------

  // The picker opens near the reservation: an hour after it when that is still ahead, else the next
  // full hour from now. Never empty, never in the past.
  function suggestedTime() {
    var now = Date.now();
    var reserved = request && request.reservationDate ? new Date(request.reservationDate) : null;
    if (reserved && !isNaN(reserved.getTime()) && reserved.getTime() + 3600000 > now) {
      return new Date(reserved.getTime() + 3600000);
    }
    return new Date(Math.ceil(now / 3600000) * 3600000 + 3600000);
  }

  function setFieldError(name, message) {
    var input = el(name);
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    el(name + "-error").textContent = message || "";
    PC.show(el(name + "-error"), Boolean(message));
  }

  function setAnswerError(message) {
    el("answer-error").textContent = message || "";
    PC.show(el("answer-error"), Boolean(message));
  }

  function noteLength() {
    return Array.from(el("note").value.trim()).length;
  }

  // The count is always visible; over the limit the note is refused (never cut) until shortened.
  function renderNoteCount() {
    var count = noteLength();
    var over = count > NOTE_MAX;
    el("note-count").textContent = PC.words.partner.noteCount(count, NOTE_MAX);
    el("note-count").classList.toggle("counter-over", over);
    if (over) setFieldError("note", W.noteTooLong(count, NOTE_MAX));
    else setFieldError("note", "");
    return !over;
  }

  function renderSummary() {
    if (!choice) return;
    var words = PC.answerWords(request && request.intent, choice);
    var text = words.label;
    if (choice === "alternative") {
      var when = PC.parseKstInput(el("alternativeTime").value);
      if (when) text += " · " + W.proposedTime(PC.formatDateTime(when));
    }
    el("send-summary").textContent = text;
    el("send").textContent = W.sendLabel(words.label);
  }

  function choose(response) {
    if (sending) return;
    choice = response;
    choiceButtons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.response === response));
    });
    var alternative = response === "alternative";
    PC.show(el("alternative-field"), alternative);
    setFieldError("alternativeTime", "");
    setAnswerError("");
    if (alternative) {
      var input = el("alternativeTime");
      input.min = PC.kstInputValue(new Date());
      if (!input.value) input.value = PC.kstInputValue(suggestedTime());
    }
    renderSummary();
    PC.show(el("send-bar"), true);
    announce(W.notSentYet + " " + el("send-summary").textContent);
  }

  function setSending(value) {
    sending = value;
    el("send").disabled = value;
    el("note").readOnly = value;
    choiceButtons.forEach(function (button) {
      button.disabled = value;
    });
    el("answer-form").setAttribute("aria-busy", value ? "true" : "false");
    if (value) el("send").textContent = W.sending;
    else renderSummary();
  }

  async function onSubmit(event) {
    event.preventDefault();
    // `sending` stays true after success as well: one link, one answer.
    if (sending || !choice) return;
    setAnswerError("");
    setFieldError("alternativeTime", "");
    if (!renderNoteCount()) {
      el("note").focus();
      return;
    }
    var body = { token: token, response: choice };
    if (choice === "alternative") {
      var input = el("alternativeTime");
      var when = PC.parseKstInput(input.value);
      if (!when || when.getTime() <= Date.now()) {
        setFieldError("alternativeTime", when ? W.timeInPast : W.pickTime);
        input.focus();
        return;
      }
      body.alternativeTime = PC.kstIso(when);
    }
    var note = el("note").value.trim();
    if (note) body.note = note;

    setSending(true);
    var result = await PC.api("POST", "/respond", body);
    if (result.ok) {
      showDone(body);
      return;
    }
    var code = problemCode(result);
    if (code) {
      showProblem(code, result.message, false);
      return;
    }
    setSending(false);
    if (result.status === 400 && (result.field === "alternativeTime" || result.field === "note")) {
      setFieldError(result.field, result.message);
      el(result.field).focus();
      return;
    }
    setAnswerError(result.message);
  }

  function showDone(body) {
    stopCountdown();
    var answer = PC.answerWords(request && request.intent, body.response).label;
    if (body.alternativeTime) answer += "\n" + PC.formatDateTime(body.alternativeTime);
    el("done-answer").textContent = answer;
    el("done-text").textContent = W.sentText;
    el("done-note-text").textContent = body.note || "";
    PC.show(el("done-note"), Boolean(body.note));
    PC.title(W.sentTitle + " · ");
    showOnly("done");
    el("done-title").focus();
    announce(W.sentAnnounce(answer));
  }

  choiceButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      choose(button.dataset.response);
    });
  });
  el("alternativeTime").addEventListener("input", function () {
    setFieldError("alternativeTime", "");
    renderSummary();
  });
  el("note").addEventListener("input", renderNoteCount);
  el("answer-form").addEventListener("submit", onSubmit);
  el("retry").addEventListener("click", load);
  load();
})();
