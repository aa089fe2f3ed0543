// Phone verification: a texted 6-digit code buys a customer token (30 min), kept in sessionStorage (this
// tab only) and sent with every question until it expires. customer.js asks `token()` before each one.
(function () {
  "use strict";

  var PC = window.PartnerConfirm;
  var el = PC.el;
  var config = window.PARTNER_CONFIRM_CONFIG || {};
  var STORE_KEY = "partnerConfirm.customerToken";
  var RESEND_SECONDS = 60;
  var EXPIRY_MARGIN_MS = 30000;
  var FIELD_TEXT = {
    reservationNumber: "예약번호를 입력해 주세요.",
    customerPhone: "연락처를 입력해 주세요.",
  };

  var required = config.customerVerification !== "off";
  var box = el("verify-box");
  var sendButton = el("send-code");
  var resendButton = el("resend-code");
  var confirmButton = el("confirm-code");
  var codeInput = el("code");
  var busy = false;
  var cooldownTimer = null;

  function announce(text) {
    el("announcer").textContent = text;
  }

  function digits(value) {
    return String(value || "").replace(/[^0-9]/g, "");
  }

  function pair() {
    return {
      reservationNumber: el("reservationNumber").value.trim(),
      customerPhone: el("customerPhone").value.trim(),
    };
  }

  function load() {
    try {
      return JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
    } catch (_) {
      return null;
    }
  }

  function save(value) {
    try {
      if (value) window.sessionStorage.setItem(STORE_KEY, JSON.stringify(value));
      else window.sessionStorage.removeItem(STORE_KEY);
    } catch (_) {
      // private mode: kept for this view only
    }
    saved = value;
  }

  var saved = load();

  function liveToken(current) {
    if (!saved || !saved.token) return null;
    if (new Date(saved.expiresAt).getTime() - EXPIRY_MARGIN_MS <= Date.now()) return null;
    if (saved.reservationNumber !== current.reservationNumber) return null;
    if (digits(saved.customerPhone) !== digits(current.customerPhone)) return null;
    return saved.token;
  }

  function showError(message) {
    el("verify-error").textContent = message || "";
    PC.show(el("verify-error"), Boolean(message));
  }

  function setFieldError(name, message) {
    el(name).setAttribute("aria-invalid", "true");
    el(name + "-error").textContent = message;
    PC.show(el(name + "-error"), true);
  }

  function clearFieldError(name) {
    el(name).removeAttribute("aria-invalid");
    el(name + "-error").textContent = "";
    PC.show(el(name + "-error"), false);
  }

  function clearErrors() {
    ["reservationNumber", "customerPhone", "code"].forEach(clearFieldError);
    showError("");
  }

  function render() {
    var verified = Boolean(liveToken(pair()));
    PC.show(el("verified"), verified);
    PC.show(sendButton, !verified && el("code-step").hidden);
    PC.show(el("send-code-hint"), !verified);
    if (verified) PC.show(el("code-step"), false);
  }

  function startCooldown(seconds) {
    window.clearInterval(cooldownTimer);
    var until = Date.now() + seconds * 1000;
    function tick() {
      var left = Math.ceil((until - Date.now()) / 1000);
      if (left > 0) {
        resendButton.disabled = true;
        el("resend-wait").textContent = " (" + left + "초 후 가능)";
        return;
      }
      window.clearInterval(cooldownTimer);
      resendButton.disabled = false;
      el("resend-wait").textContent = "";
    }
    tick();
    cooldownTimer = window.setInterval(tick, 1000);
  }

  function setBusy(button, value) {
    busy = value;
    button.setAttribute("aria-busy", value ? "true" : "false");
  }

  async function sendCode(button) {
    if (busy) return;
    clearErrors();
    var body = pair();
    var missing = ["reservationNumber", "customerPhone"].filter(function (name) {
      return !body[name];
    });
    if (missing.length) {
      missing.forEach(function (name) {
        setFieldError(name, FIELD_TEXT[name]);
      });
      el(missing[0]).focus();
      return;
    }
    setBusy(button, true);
    var result = await PC.api("POST", "/verify", body);
    setBusy(button, false);
    if (result.ok) {
      PC.show(sendButton, false);
      PC.show(el("send-code-hint"), false);
      PC.show(el("code-step"), true);
      codeInput.value = "";
      startCooldown(RESEND_SECONDS);
      codeInput.focus();
      announce((result.data && result.data.message) || "인증번호를 보냈습니다.");
      return;
    }
    if (result.status === 400 && FIELD_TEXT[result.field]) {
      setFieldError(result.field, result.message);
      el(result.field).focus();
      return;
    }
    showError(result.message);
    button.focus();
  }

  async function confirmCode() {
    if (busy) return;
    clearErrors();
    var code = digits(codeInput.value);
    if (code.length !== 6) {
      setFieldError("code", "인증번호 6자리 숫자를 입력해 주세요.");
      codeInput.focus();
      return;
    }
    var body = pair();
    body.code = code;
    setBusy(confirmButton, true);
    var result = await PC.api("POST", "/verify/confirm", body);
    setBusy(confirmButton, false);
    if (result.ok && result.data && result.data.customerToken) {
      save({
        token: result.data.customerToken,
        expiresAt: result.data.expiresAt,
        reservationNumber: body.reservationNumber,
        customerPhone: body.customerPhone,
      });
      window.clearInterval(cooldownTimer);
      PC.show(el("code-step"), false);
      render();
      announce("휴대폰 인증이 완료되었습니다. 문의 내용을 입력해 주세요.");
      el("message").focus();
      return;
    }
    if (result.error === "CODE_LOCKED") startCooldown(0); // a dead code: ask for a new one at once
    if (result.status === 400 && FIELD_TEXT[result.field]) {
      setFieldError(result.field, result.message);
      el(result.field).focus();
      return;
    }
    setFieldError("code", result.message);
    codeInput.focus();
  }

  function fieldsChanged() {
    if (!el("code-step").hidden) {
      PC.show(el("code-step"), false);
      window.clearInterval(cooldownTimer);
    }
    render();
  }

  // The token for these fields, or null after showing why one is needed.
  function token(body) {
    if (!required) return null;
    var value = liveToken(body);
    if (value) return value;
    demand("먼저 휴대폰 인증을 해 주세요. '인증번호 받기'를 누르면 문자로 인증번호를 보내 드립니다.");
    return null;
  }

  function demand(message) {
    render();
    showError(message);
    (el("code-step").hidden ? sendButton : codeInput).focus();
  }

  function refused(message) {
    save(null);
    demand(message);
  }

  if (!required) {
    PC.show(box, false);
  } else {
    sendButton.addEventListener("click", function () {
      sendCode(sendButton);
    });
    resendButton.addEventListener("click", function () {
      sendCode(resendButton);
    });
    confirmButton.addEventListener("click", confirmCode);
    codeInput.addEventListener("keydown", function (event) {
      // Enter confirms the code, not the question
      if (event.key === "Enter") {
        event.preventDefault();
        confirmCode();
      }
    });
    el("reservationNumber").addEventListener("change", fieldsChanged);
    el("customerPhone").addEventListener("change", fieldsChanged);
    // a follow-up question: the verified fields come back
    if (saved && liveToken(saved) && !el("reservationNumber").value && !el("customerPhone").value) {
      el("reservationNumber").value = saved.reservationNumber;
      el("customerPhone").value = saved.customerPhone;
    }
    render();
  }

  // The status page's reply to a proposed time (customer.js): the kept token of this reservation, and a
  // token bought there, kept like one bought here.
  function tokenFor(reservationNumber) {
    if (!saved || !saved.token || saved.reservationNumber !== reservationNumber) return null;
    if (new Date(saved.expiresAt).getTime() - EXPIRY_MARGIN_MS <= Date.now()) return null;
    return saved.token;
  }

  function remember(answer, reservationNumber, customerPhone) {
    save({
      token: answer.customerToken,
      expiresAt: answer.expiresAt,
      reservationNumber: reservationNumber,
      customerPhone: customerPhone,
    });
  }

  PC.verification = {
    required: required,
    token: token,
    refused: refused,
    tokenFor: tokenFor,
    remember: remember,
    forget: function () {
      save(null);
    },
  };
})();
