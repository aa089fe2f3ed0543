// Shared by the pages: the deployment's settings, one fetch helper with Korean error texts, Korea-time
// formats and the answer labels. Every word comes from words.js. Plain script (no modules, no build step).
(function () {
  "use strict";

  var W = window.PartnerConfirmWords;
  var config = window.PARTNER_CONFIRM_CONFIG || {};
  // config.js is generated at deploy time; without it (a plain file server) the local runtime's path holds.
  var apiBase = String(config.apiBaseUrl || "/api").replace(/\/+$/, "");
  var brandName = String(config.brandName || "");
  var supportPhone = String(config.supportPhone || "");

  // Resolves to {ok, status, data} or {ok: false, status, error, message, field, data}; never rejects, so
  // callers handle every outcome in one place. `bearer`: the customer token, sent as Authorization.
  async function api(method, path, body, bearer) {
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
    if (bearer) init.headers.Authorization = "Bearer " + bearer;
    var response;
    try {
      response = await fetch(apiBase + path, init);
    } catch (_) {
      return { ok: false, status: 0, error: "NETWORK", message: W.errors[0] };
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
      message: data.message || W.errors[response.status] || W.errors[500],
      field: data.field || null,
      data: data,
    };
  }

  function intentLabel(intent) {
    return W.intents[intent] || intent || W.unknownIntent;
  }

  // The words of one answer (accept | reject | alternative) for the question's intent.
  function answerWords(intent, response) {
    var byIntent = W.answers[intent] || W.answers[W.defaultIntent];
    return byIntent[response] || null;
  }

  // ---- Korea time: one format everywhere ("12월 5일 (토) 오후 3:00"), whatever the device's zone ----
  // Korea keeps no daylight saving time, so its wall clock is UTC+9 all year.

  var KST_OFFSET_MS = 9 * 3600 * 1000;

  function toDate(value) {
    if (value instanceof Date) return value;
    if (typeof value === "number") return new Date(value < 1e12 ? value * 1000 : value);
    return new Date(value);
  }

  function kstParts(date) {
    var k = new Date(date.getTime() + KST_OFFSET_MS);
    return {
      year: k.getUTCFullYear(),
      month: k.getUTCMonth() + 1,
      day: k.getUTCDate(),
      weekday: k.getUTCDay(),
      hour: k.getUTCHours(),
      minute: k.getUTCMinutes(),
    };
  }

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  function dayText(p) {
    return W.monthDay(p.month, p.day, W.weekdays.charAt(p.weekday));
  }

  function clockText(p) {
    return (p.hour < 12 ? W.am : W.pm) + " " + (p.hour % 12 || 12) + ":" + pad(p.minute);
  }

  // "오후 3:05"
  function formatClock(value) {
    var date = toDate(value);
    return isNaN(date.getTime()) ? "" : clockText(kstParts(date));
  }

  // "12월 5일 (토) 오후 3:00"
  function formatDateTime(value) {
    var date = toDate(value);
    if (isNaN(date.getTime())) return "";
    var p = kstParts(date);
    return dayText(p) + " " + clockText(p);
  }

  // A bare "YYYY-MM-DD" is a calendar day, not midnight UTC: "12월 5일 (토)".
  function formatReservationDate(value) {
    if (!value) return "-";
    var day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (day) {
      var weekday = new Date(Date.UTC(+day[1], +day[2] - 1, +day[3])).getUTCDay();
      return dayText({ month: +day[2], day: +day[3], weekday: weekday });
    }
    return formatDateTime(value) || String(value);
  }

  // A datetime-local field's value holds Korea's wall clock ("2026-12-05T15:00").
  function kstInputValue(date) {
    var p = kstParts(date);
    return p.year + "-" + pad(p.month) + "-" + pad(p.day) + "T" + pad(p.hour) + ":" + pad(p.minute);
  }

  function parseKstInput(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!m) return null;
    return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) - KST_OFFSET_MS);
  }

  // ISO 8601 with Korea's offset, as the API reads it.
  function kstIso(date) {
    return kstInputValue(date) + ":00+09:00";
  }

  // ---- the page ----

  function el(id) {
    return document.getElementById(id);
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  // The support line (config `supportPhone`) with a tappable number; hidden when none is configured.
  function renderSupport(node, sentence) {
    node.textContent = "";
    show(node, Boolean(supportPhone));
    if (!supportPhone) return;
    var text = sentence(supportPhone);
    var at = text.indexOf(supportPhone);
    var link = document.createElement("a");
    link.href = "tel:" + supportPhone.replace(/[^\d+]/g, "");
    link.textContent = supportPhone;
    node.append(text.slice(0, at), link, text.slice(at + supportPhone.length));
  }

  // The brand in the header and the tab title, when the deployment names one.
  function applyBrand() {
    if (!brandName) return;
    Array.prototype.forEach.call(document.querySelectorAll("[data-brand]"), function (node) {
      node.textContent = brandName;
    });
  }

  function title(prefix) {
    document.title = prefix + (brandName || W.partner.brand);
  }

  window.PartnerConfirm = {
    words: W,
    api: api,
    intentLabel: intentLabel,
    answerWords: answerWords,
    formatClock: formatClock,
    formatDateTime: formatDateTime,
    formatReservationDate: formatReservationDate,
    kstInputValue: kstInputValue,
    parseKstInput: parseKstInput,
    kstIso: kstIso,
    el: el,
    show: show,
    renderSupport: renderSupport,
    supportPhone: supportPhone,
    title: title,
  };
  document.addEventListener("DOMContentLoaded", applyBrand);
})();
