// The customer page: ask about a reservation, then follow the request until the notification arrives.
(function () {
  "use strict";

  var PC = window.PartnerConfirm;
  var el = PC.el;

  var FIELDS = ["reservationNumber", "customerPhone", "message"];
  var REQUIRED_TEXT = {
    reservationNumber: "예약번호를 입력해 주세요.",
    customerPhone: "연락처를 입력해 주세요.",
    message: "문의 내용을 입력해 주세요.",
  };
  var TERMINAL = { Responded: true, Timeout: true, Failed: true };
  // Fast while a person is likely watching the first minutes, gentler afterwards; the partner wait is a
  // few minutes, so this is a few hundred small GETs per request in the worst case.
  var FAST_POLL_MS = 2000;
  var SLOW_POLL_MS = 5000;
  var FAST_PHASE_MS = 120000;
  // The notification is written after the terminal status (a model call can take seconds), so polling
  // continues for a while after a terminal status until it is there.
  var NOTICE_WAIT_MS = 90000;
  var STATE_TEXT = {
    done: "완료",
    current: "진행 중",
    pending: "대기",
    skipped: "해당 없음",
    warning: "시간 초과",
    failed: "실패",
  };
  var RESPONSE_TEXT = {
    accept: { label: "응답: 수락", detail: "파트너가 요청을 수락했습니다." },
    reject: { label: "응답: 거절", detail: "파트너가 요청을 거절했습니다." },
    alternative: { label: "응답: 다른 시간 제안", detail: "파트너가 다른 시간을 제안했습니다." },
  };
  var INTENT_SOURCE_TEXT = {
    lex: "문의 유형은 Amazon Lex가 분류했습니다.",
    local: "문의 유형은 로컬 분류기(챗봇 학습 예문 기반)가 분류했습니다.",
    default: "문의 유형을 확실히 알 수 없어 기본 유형으로 처리했습니다.",
  };
  var NOTICE_SOURCE_TEXT = {
    model: "Amazon Bedrock의 Claude 모델이 작성한 안내입니다.",
    template: "기본 안내 문구로 작성된 안내입니다.",
  };

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

  function setFieldError(name, message) {
    var input = el(name);
    var error = el(name + "-error");
    input.setAttribute("aria-invalid", "true");
    error.textContent = message;
    PC.show(error, true);
  }

  function clearErrors() {
    FIELDS.forEach(function (name) {
      el(name).removeAttribute("aria-invalid");
      el(name + "-error").textContent = "";
      PC.show(el(name + "-error"), false);
    });
    el("form-error").textContent = "";
    PC.show(el("form-error"), false);
  }

  function setSending(value) {
    sending = value;
    submitButton.disabled = value;
    submitButton.textContent = value ? "보내는 중…" : "문의하기";
    form.setAttribute("aria-busy", value ? "true" : "false");
  }

  async function onSubmit(event) {
    event.preventDefault();
    if (sending) return;
    clearErrors();
    var body = {};
    FIELDS.forEach(function (name) {
      body[name] = el(name).value.trim();
    });
    var missing = FIELDS.filter(function (name) {
      return !body[name];
    });
    if (missing.length) {
      missing.forEach(function (name) {
        setFieldError(name, REQUIRED_TEXT[name]);
      });
      el(missing[0]).focus();
      return;
    }

    setSending(true);
    var result = await PC.api("POST", "/chat", body);
    setSending(false);
    if (result.ok && result.data && result.data.requestId) {
      history.pushState(null, "", "?request=" + encodeURIComponent(result.data.requestId));
      route();
      el("track-title").focus();
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
    step.querySelector(".step-state").textContent = "(" + STATE_TEXT[state] + ")";
    step.querySelector(".step-detail").textContent = text || "";
    var time = step.querySelector(".step-time");
    time.textContent = at ? PC.formatTime(at) : "";
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

  // Renders one status answer and returns a sentence describing it, for the live region.
  function render(data) {
    var events = firstEvents(data.events);
    var status = data.status;
    var terminal = TERMINAL[status] === true;
    var at = function (type) {
      return events[type] ? events[type].at : null;
    };

    el("track-reservation").textContent = data.reservationNumber || "-";
    el("track-intent").textContent = PC.intentLabel(data.intent);
    el("source-note").textContent = INTENT_SOURCE_TEXT[data.intentSource] || "";

    setStep("step-created", "done", at("Created"), "문의가 접수되었습니다.");
    var summary = "문의가 접수되었습니다.";

    if (events.SMSSent) {
      setStep("step-sms", "done", at("SMSSent"), "담당 파트너에게 확인 요청 문자를 보냈습니다.");
      summary = "파트너에게 확인 요청 문자를 보냈습니다.";
      if (data.partnerDeadline && !terminal) {
        summary += " 답변 마감 시각은 " + PC.formatTime(data.partnerDeadline) + "입니다.";
      }
    } else if (terminal) {
      setStep("step-sms", "skipped", null, "문자를 보내지 않았습니다.");
    } else {
      setStep("step-sms", "current", null, "담당 파트너를 찾고 있습니다.");
    }

    var responded = status === "Responded" || Boolean(events.Responded);
    if (events.Opened || responded) {
      setStep("step-opened", "done", at("Opened"), "파트너가 문의 내용을 확인했습니다.");
      summary = "파트너가 문의 내용을 확인했습니다.";
    } else if (terminal) {
      setStep("step-opened", "skipped", null, status === "Timeout" ? "파트너가 링크를 열지 않았습니다." : "");
    } else if (events.SMSSent) {
      setStep("step-opened", "current", null, "파트너가 문자를 확인하기를 기다리고 있습니다.");
    } else {
      setStep("step-opened", "pending", null, "");
    }

    if (status === "Responded") {
      var answered = events.Responded;
      var response = detail(answered, "response");
      var text = RESPONSE_TEXT[response] || { label: "응답", detail: "파트너가 답변했습니다." };
      var line = text.detail;
      var alternativeTime = detail(answered, "alternativeTime");
      if (response === "alternative" && alternativeTime) {
        line += " 제안 시간: " + PC.formatDateTime(alternativeTime);
      }
      setStep("step-outcome", "done", at("Responded"), line, text.label);
      summary = line;
    } else if (status === "Timeout") {
      setStep(
        "step-outcome",
        "warning",
        at("Timeout"),
        "정해진 시간 안에 파트너의 답변이 없었습니다.",
        "시간 초과",
      );
      summary = "정해진 시간 안에 파트너의 답변이 없었습니다.";
    } else if (status === "Failed") {
      var reason = data.failureReason || "요청을 처리하지 못했습니다.";
      setStep("step-outcome", "failed", at("Failed"), reason, "실패");
      summary = "요청을 처리하지 못했습니다. " + reason;
    } else if (events.Opened) {
      setStep("step-outcome", "current", null, "파트너의 답변을 기다리고 있습니다.", "응답");
    } else if (data.partnerDeadline) {
      setStep("step-outcome", "pending", null, "파트너의 답변을 기다리고 있습니다.", "응답");
    } else {
      setStep("step-outcome", "pending", null, "문자를 보내면 답변 마감 시각을 알려 드립니다.", "응답");
    }
    showDeadline(terminal ? null : data.partnerDeadline);

    var notification = data.notification;
    if (notification && notification.message) {
      el("notice-text").textContent = notification.message;
      el("notice-source").textContent = NOTICE_SOURCE_TEXT[notification.source] || "";
      el("notice").classList.toggle("notice-timeout", status === "Timeout");
      el("notice").classList.toggle("notice-failed", status === "Failed");
      PC.show(el("notice"), true);
      PC.show(el("notice-pending"), false);
      summary = "안내 메시지가 도착했습니다. " + notification.message;
    } else {
      PC.show(el("notice"), false);
      PC.show(el("notice-pending"), true);
      el("notice-pending-text").textContent = terminal
        ? "안내 메시지를 작성하고 있습니다. 잠시만 기다려 주세요."
        : "담당 파트너의 답변을 기다리고 있습니다. 이 화면은 자동으로 새로 고쳐집니다.";
    }
    return summary;
  }

  // The wait is a deployment setting (minutes in AWS, shorter locally), so the page shows the deadline the
  // API reports rather than a fixed duration. The line stays in place (hidden by visibility) so its
  // appearance does not move the timeline.
  function remainingText(deadline) {
    var seconds = Math.ceil((new Date(deadline).getTime() - Date.now()) / 1000);
    if (!(seconds > 0)) return "곧 마감됩니다";
    if (seconds < 60) return seconds + "초 남음";
    return "약 " + Math.ceil(seconds / 60) + "분 남음";
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
      time.textContent = PC.formatTime(deadline);
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
        showTrackError("문의를 찾을 수 없습니다. 주소가 정확한지 확인하거나 새로 문의해 주세요.");
        announce("문의를 찾을 수 없습니다.");
        ["notice-pending", "track-meta", "track-steps", "track-address"].forEach(function (id) {
          PC.show(el(id), false);
        });
        return;
      }
      this.failures += 1;
      showTrackError(result.message + " 자동으로 다시 확인합니다.");
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
        showTrackError("안내 메시지가 늦어지고 있습니다. 잠시 후 이 화면을 새로 고쳐 주세요.");
        return;
      }
    }
    this.schedule(Date.now() - this.started < FAST_PHASE_MS ? FAST_POLL_MS : SLOW_POLL_MS);
  };

  function resetTimeline() {
    ["step-created", "step-sms", "step-opened", "step-outcome"].forEach(function (id) {
      setStep(id, "pending", null, "");
    });
    el("step-outcome").querySelector(".step-label").textContent = "응답";
    el("track-reservation").textContent = "-";
    el("track-intent").textContent = "확인 중";
    el("source-note").textContent = "";
    PC.show(el("notice"), false);
    PC.show(el("notice-pending"), false);
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
      document.title = "예약 문의 · 파트너 확인";
      return;
    }
    document.title = "문의 진행 상황 · 파트너 확인";
    el("track-id").textContent = requestId;
    resetTimeline();
    poller = new Poller(requestId);
    poller.tick();
  }

  form.addEventListener("submit", onSubmit);
  window.addEventListener("popstate", route);
  document.addEventListener("visibilitychange", function () {
    if (poller && !document.hidden) poller.resume();
  });
  route();
})();
