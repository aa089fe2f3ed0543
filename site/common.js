// Shared by both pages: the API base URL, one fetch helper with Korean error texts, and date formatting.
// Plain script (no modules, no build step) so the site stays a folder of static files.
(function () {
  "use strict";

  var config = window.PARTNER_CONFIRM_CONFIG || {};
  // config.js is generated at deploy time; without it (a plain file server) the local runtime's path holds.
  var apiBase = String(config.apiBaseUrl || "/api").replace(/\/+$/, "");

  var FALLBACK_MESSAGES = {
    0: "네트워크에 연결할 수 없습니다. 연결 상태를 확인한 뒤 다시 시도해 주세요.",
    429: "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
    500: "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
    503: "서비스를 잠시 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
  };

  // Resolves to {ok, status, data} or {ok: false, status, error, message, field}; never rejects, so
  // callers handle every outcome in one place.
  async function api(method, path, body) {
    var init = {
      method: method,
      headers: { Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    var response;
    try {
      response = await fetch(apiBase + path, init);
    } catch (_) {
      return { ok: false, status: 0, error: "NETWORK", message: FALLBACK_MESSAGES[0] };
    }
    var data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (response.ok) return { ok: true, status: response.status, data: data };
    data = data || {};
    return {
      ok: false,
      status: response.status,
      error: data.error || "HTTP_" + response.status,
      message: data.message || FALLBACK_MESSAGES[response.status] || FALLBACK_MESSAGES[500],
      field: data.field || null,
    };
  }

  var INTENT_LABELS = {
    예약변경: "예약 변경",
    트러블신고: "트러블 신고",
    부가서비스: "부가 서비스 요청",
  };

  function intentLabel(intent) {
    return INTENT_LABELS[intent] || intent || "확인 중";
  }

  var dateTimeFormat = new Intl.DateTimeFormat("ko-KR", {
    month: "long",
    day: "numeric",
    weekday: "short",
    hour: "numeric",
    minute: "2-digit",
  });
  var timeFormat = new Intl.DateTimeFormat("ko-KR", { hour: "numeric", minute: "2-digit", second: "2-digit" });
  var dateFormat = new Intl.DateTimeFormat("ko-KR", {
    year: "numeric",
    month: "long",
    day: "numeric",
    weekday: "short",
  });

  function formatTime(iso) {
    var date = new Date(iso);
    return isNaN(date.getTime()) ? "" : timeFormat.format(date);
  }

  var clockFormat = new Intl.DateTimeFormat("ko-KR", { hour: "numeric", minute: "2-digit" });

  function formatClock(date) {
    return clockFormat.format(date);
  }

  function formatDateTime(iso) {
    var date = new Date(iso);
    return isNaN(date.getTime()) ? String(iso || "") : dateTimeFormat.format(date);
  }

  // A bare "YYYY-MM-DD" is a calendar day, not midnight UTC: build it from its parts so it never shifts.
  function formatReservationDate(value) {
    if (!value) return "-";
    var day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (day) return dateFormat.format(new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])));
    return formatDateTime(value);
  }

  function el(id) {
    return document.getElementById(id);
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  window.PartnerConfirm = {
    api: api,
    intentLabel: intentLabel,
    formatTime: formatTime,
    formatDateTime: formatDateTime,
    formatClock: formatClock,
    formatReservationDate: formatReservationDate,
    el: el,
    show: show,
  };
})();
