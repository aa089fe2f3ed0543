// The partner page: opened from the SMS link /r/{token}; shows the customer's question and sends one answer.
(function () {
  "use strict";

  var PC = window.PartnerConfirm;
  var el = PC.el;

  var PROBLEMS = {
    TOKEN_INVALID: {
      title: "확인할 수 없는 링크입니다",
      text: "링크 주소가 잘못되었거나 일부가 빠졌습니다. 받은 문자의 링크를 다시 눌러 주세요.",
      note: "문자의 링크를 그대로 열었는데도 이 화면이 보이면 고객센터로 알려 주세요.",
    },
    TOKEN_EXPIRED: {
      title: "링크의 유효 시간이 지났습니다",
      text: "확인 링크는 문자를 받은 뒤 정해진 시간 동안만 쓸 수 있습니다.",
      note: "답변을 기다리던 고객에게는 시간 초과로 안내됩니다.",
    },
    TOKEN_USED: {
      title: "이미 답변한 요청입니다",
      text: "이 링크로 이미 답변을 보냈습니다. 한 번 보낸 답변은 바꿀 수 없습니다.",
      note: "답변을 바꿔야 하면 고객센터로 연락해 주세요.",
    },
    WAIT_ENDED: {
      title: "답변 시간이 지났습니다",
      text: "답변을 기다리는 시간이 끝나 고객에게 이미 시간 초과로 안내되었습니다. 이번 답변은 전달되지 않았습니다.",
      note: "고객과 일정을 다시 맞춰야 하면 고객센터로 연락해 주세요.",
    },
    NOT_FOUND: {
      title: "요청을 찾을 수 없습니다",
      text: "이 링크에 해당하는 문의가 없습니다. 받은 문자의 링크를 다시 눌러 주세요.",
      note: "",
    },
  };
  var STATUS_PROBLEM = { 401: "TOKEN_INVALID", 404: "NOT_FOUND", 409: "TOKEN_USED", 410: "WAIT_ENDED" };
  var CHOICES = {
    accept: {
      label: "수락",
      summary: "고객의 요청을 수락합니다.",
      button: "수락 보내기",
      done: "요청을 수락한다고 고객에게 전달했습니다.",
    },
    reject: {
      label: "거절",
      summary: "고객의 요청을 거절합니다.",
      button: "거절 보내기",
      done: "요청을 거절한다고 고객에게 전달했습니다.",
    },
    alternative: {
      label: "다른 시간 제안",
      summary: "고객에게 위 시간을 제안합니다.",
      button: "제안 보내기",
      done: "고객에게 다른 시간을 제안했습니다.",
    },
  };

  var token = readToken();
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
    var problem = PROBLEMS[code] || {
      title: "문의를 불러오지 못했습니다",
      text: fallbackMessage || "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
      note: "",
    };
    stopCountdown();
    el("problem-title").textContent = problem.title;
    el("problem-text").textContent = problem.text;
    el("problem-note").textContent = problem.note;
    PC.show(el("problem-note"), Boolean(problem.note));
    PC.show(el("retry"), Boolean(canRetry));
    document.title = problem.title + " · 파트너 확인";
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
    if (typeof value === "number") return new Date(value < 1e12 ? value * 1000 : value);
    var date = new Date(value);
    return isNaN(date.getTime()) ? null : date;
  }

  function renderCountdown() {
    var node = el("deadline");
    var left = Math.round((deadline.getTime() - Date.now()) / 1000);
    if (left <= 0) {
      node.textContent = "답변 기한(" + PC.formatClock(deadline) + ")이 지났습니다.";
      node.classList.add("deadline-over");
      stopCountdown();
      return;
    }
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    var remaining = (minutes ? minutes + "분 " : "") + seconds + "초";
    node.textContent = "답변 기한 " + PC.formatClock(deadline) + " · " + remaining + " 남음";
  }

  function stopCountdown() {
    window.clearInterval(countdown);
    countdown = null;
  }

  function renderRequest(data) {
    el("fact-intent").textContent = PC.intentLabel(data.intent);
    el("fact-reservation").textContent = data.reservationNumber || "-";
    el("fact-date").textContent = PC.formatReservationDate(data.reservationDate);
    el("fact-service").textContent = data.serviceType || "";
    PC.show(el("fact-service-row"), Boolean(data.serviceType));
    el("fact-query").textContent = data.customerQuery || "";
    if (data.partnerName) {
      el("request-lead").textContent = data.partnerName + "님, 아래 고객 문의를 확인하고 답변을 선택해 주세요.";
    }
    deadline = parseDeadline(data.expiresAt);
    PC.show(el("deadline"), Boolean(deadline));
    if (deadline) {
      renderCountdown();
      if (deadline.getTime() > Date.now()) countdown = window.setInterval(renderCountdown, 1000);
    }
    showOnly("request");
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

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  function localInputValue(date) {
    return (
      date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes())
    );
  }

  function parseLocalInput(value) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!parts) return null;
    return new Date(+parts[1], +parts[2] - 1, +parts[3], +parts[4], +parts[5]);
  }

  // The partner's wall-clock time with its UTC offset, so the customer hears the time the partner chose.
  function isoWithOffset(date) {
    var offset = -date.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    var abs = Math.abs(offset);
    return localInputValue(date) + ":00" + sign + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }

  function setAlternativeError(message) {
    var input = el("alternativeTime");
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    el("alternativeTime-error").textContent = message || "";
    PC.show(el("alternativeTime-error"), Boolean(message));
  }

  function setAnswerError(message) {
    el("answer-error").textContent = message || "";
    PC.show(el("answer-error"), Boolean(message));
  }

  function choose(response) {
    if (sending) return;
    choice = response;
    choiceButtons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.response === response));
    });
    var alternative = response === "alternative";
    PC.show(el("alternative-field"), alternative);
    setAlternativeError("");
    setAnswerError("");
    el("send-summary").textContent = CHOICES[response].summary;
    el("send").textContent = CHOICES[response].button;
    PC.show(el("send-bar"), true);
    if (alternative) {
      var input = el("alternativeTime");
      input.min = localInputValue(new Date());
      input.focus();
    }
  }

  function setSending(value) {
    sending = value;
    el("send").disabled = value;
    choiceButtons.forEach(function (button) {
      button.disabled = value;
    });
    el("answer-form").setAttribute("aria-busy", value ? "true" : "false");
    if (value) el("send").textContent = "보내는 중…";
    else if (choice) el("send").textContent = CHOICES[choice].button;
  }

  async function onSubmit(event) {
    event.preventDefault();
    // `sending` stays true after success as well: one link, one answer.
    if (sending || !choice) return;
    setAnswerError("");
    setAlternativeError("");
    var body = { token: token, response: choice };
    if (choice === "alternative") {
      var input = el("alternativeTime");
      var when = parseLocalInput(input.value);
      if (!when) {
        setAlternativeError("제안할 날짜와 시간을 선택해 주세요.");
        input.focus();
        return;
      }
      if (when.getTime() <= Date.now()) {
        setAlternativeError("지금보다 이후의 날짜와 시간을 선택해 주세요.");
        input.focus();
        return;
      }
      body.alternativeTime = isoWithOffset(when);
    }

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
    if (result.status === 400 && result.field === "alternativeTime" && choice === "alternative") {
      setAlternativeError(result.message);
      el("alternativeTime").focus();
      return;
    }
    setAnswerError(result.message);
  }

  function showDone(body) {
    stopCountdown();
    var picked = CHOICES[body.response];
    var answer = picked.label;
    if (body.alternativeTime) answer += "\n" + PC.formatDateTime(body.alternativeTime);
    el("done-answer").textContent = answer;
    el("done-text").textContent = picked.done;
    document.title = "응답을 보냈습니다 · 파트너 확인";
    showOnly("done");
    el("done-title").focus();
    announce("응답을 보냈습니다. 보낸 답변: " + answer);
  }

  choiceButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      choose(button.dataset.response);
    });
  });
  el("answer-form").addEventListener("submit", onSubmit);
  el("retry").addEventListener("click", load);
  load();
})();
