// Every word the pages show a customer or a partner, in one place (STYLE.md 17): keyed by intent and
// answer, so wording is reviewed together and a new page reads it instead of copying it.
// Static headings and labels stay in the HTML; everything the scripts write comes from here.
(function () {
  "use strict";

  var CHANGE = "예약변경";
  var TROUBLE = "트러블신고";
  var EXTRA = "부가서비스";

  window.PartnerConfirmWords = {
    intents: {
      예약변경: "예약 변경",
      트러블신고: "트러블 신고",
      부가서비스: "부가 서비스 요청",
    },
    unknownIntent: "확인 중",

    // The partner's three answers in the partner's own words, per intent (the API keeps
    // accept | reject | alternative). `customer` is the timeline line the customer reads for it.
    answers: {
      [CHANGE]: {
        accept: { label: "변경 수락", customer: "업체가 예약 변경을 수락했습니다." },
        reject: { label: "변경 불가", customer: "업체가 예약 변경이 어렵다고 답했습니다." },
        alternative: { label: "다른 시간 제안", customer: "업체가 다른 시간을 제안했습니다." },
      },
      [TROUBLE]: {
        accept: { label: "바로 조치하겠습니다", customer: "업체가 바로 조치하겠다고 답했습니다." },
        reject: { label: "직접 연락드리겠습니다", customer: "업체가 직접 연락드리겠다고 답했습니다." },
        alternative: { label: "방문 시간 제안", customer: "업체가 방문할 시간을 제안했습니다." },
      },
      [EXTRA]: {
        accept: { label: "준비하겠습니다", customer: "업체가 요청하신 서비스를 준비하겠다고 답했습니다." },
        reject: { label: "어렵습니다", customer: "업체가 요청하신 서비스는 어렵다고 답했습니다." },
        alternative: { label: "다른 시간 제안", customer: "업체가 다른 시간을 제안했습니다." },
      },
    },
    defaultIntent: CHANGE,

    partner: {
      brand: "파트너 확인",
      lead: "고객 문의를 확인하고 답변을 골라 주세요.",
      leadFor: function (partnerName) {
        return partnerName + "님께 온 문의입니다.";
      },
      deadlineLeft: function (clock, remaining) {
        return "답변 기한 " + clock + " · " + remaining + " 남음";
      },
      minutesSeconds: function (minutes, seconds) {
        return (minutes ? minutes + "분 " : "") + seconds + "초";
      },
      notSentYet: "아직 보내지 않았습니다.",
      sendLabel: function (answerLabel) {
        return "‘" + answerLabel + "’ 보내기";
      },
      proposedTime: function (when) {
        return "제안 시간: " + when;
      },
      sending: "보내는 중…",
      pickTime: "제안할 날짜와 시간을 선택해 주세요.",
      timeInPast: "지금보다 이후의 날짜와 시간을 선택해 주세요.",
      noteCount: function (count, max) {
        return count + "/" + max + "자";
      },
      noteTooLong: function (count, max) {
        return max + "자까지 보낼 수 있습니다. 지금 " + count + "자입니다. 줄여 주세요.";
      },
      sentTitle: "응답을 보냈습니다",
      sentAnnounce: function (answer) {
        return "응답을 보냈습니다. 보낸 답변: " + answer;
      },
      sentText: "고객에게 이 답변을 전달했습니다.",
      sentNote: "보낸 말",
      call: function (phone) {
        return "문의: 고객센터 " + phone;
      },
      loadFailed: "문의를 불러오지 못했습니다",
    },

    // Why a partner cannot answer. `customer` says what happened to the customer.
    problems: {
      TOKEN_INVALID: {
        title: "확인할 수 없는 링크입니다",
        text: "링크 주소가 잘못되었거나 일부가 빠졌습니다. 받은 문자의 링크를 다시 눌러 주세요.",
        note: "문자의 링크를 그대로 열었는데도 이 화면이 보이면 고객센터로 알려 주세요.",
      },
      TOKEN_EXPIRED: {
        title: "답변 시간이 지났습니다",
        text: "답변을 기다리는 시간이 끝났습니다. 고객에게는 업체의 답변을 받지 못했다고 안내되었습니다.",
        note: "고객과 직접 일정을 맞추셔야 하면 고객센터로 연락해 주세요.",
      },
      TOKEN_USED: {
        title: "이미 답변한 요청입니다",
        text: "이 링크로 이미 답변을 보냈고, 고객에게 전달되었습니다. 한 번 보낸 답변은 바꿀 수 없습니다.",
        note: "답변을 바꿔야 하면 고객센터로 연락해 주세요.",
      },
      WAIT_ENDED: {
        title: "답변 시간이 지났습니다",
        text: "답변을 기다리는 시간이 끝나 고객에게 이미 업체의 답변을 받지 못했다고 안내되었습니다. 이번 답변은 전달되지 않았습니다.",
        note: "고객과 직접 일정을 맞추셔야 하면 고객센터로 연락해 주세요.",
      },
      NOT_FOUND: {
        title: "요청을 찾을 수 없습니다",
        text: "이 링크에 해당하는 문의가 없습니다. 받은 문자의 링크를 다시 눌러 주세요.",
        note: "",
      },
    },

    customer: {
      required: {
        reservationNumber: "예약번호를 입력해 주세요.",
        customerPhone: "연락처를 입력해 주세요.",
        message: "문의 내용을 입력해 주세요.",
      },
      phoneFormat: "휴대폰 번호를 010-1234-5678처럼 입력해 주세요.",
      count: function (count, max) {
        return count + "/" + max + "자";
      },
      tooLong: function (label, count, max) {
        return label + "은(는) " + max + "자까지 입력할 수 있습니다. 지금 " + count + "자입니다.";
      },
      labels: { reservationNumber: "예약번호", customerPhone: "연락처", message: "문의 내용" },
      submit: "문의하기",
      sending: "보내는 중…",
      states: {
        done: "완료",
        current: "진행 중",
        pending: "대기",
        skipped: "해당 없음",
        warning: "시간 초과",
        failed: "실패",
      },
      steps: {
        created: "문의가 접수되었습니다.",
        smsSent: "업체에 확인 요청 문자를 보냈습니다.",
        smsSkipped: "문자를 보내지 않았습니다.",
        finding: "담당 업체를 찾고 있습니다.",
        opened: "업체가 문의 내용을 확인했습니다.",
        notOpened: "업체가 링크를 열지 않았습니다.",
        waitingOpen: "업체가 문자를 확인하기를 기다리고 있습니다.",
        waitingAnswer: "업체의 답변을 기다리고 있습니다.",
        deadlineLater: "문자를 보내면 답변 마감 시각을 알려 드립니다.",
        answerLabel: "응답",
        answered: "업체가 답변했습니다.",
        timeoutLabel: "시간 초과",
        timeout: "정해진 시간 안에 업체의 답변이 없었습니다.",
        failedLabel: "실패",
        failed: "요청을 처리하지 못했습니다.",
        closedLabel: "고객센터 안내",
        closed: "고객센터에서 문의를 마무리했습니다. 아래 안내 메시지를 확인해 주세요.",
      },
      answerLabel: function (label) {
        return "응답: " + label;
      },
      proposedTime: function (when) {
        return "제안 시간: " + when;
      },
      deadlineSummary: function (when) {
        return " 답변 마감 시각은 " + when + "입니다.";
      },
      noticeArrived: "안내 메시지가 도착했습니다. ",
      writingNotice: "안내 메시지를 작성하고 있습니다. 잠시만 기다려 주세요.",
      waiting: "업체의 답변을 기다리고 있습니다. 이 화면은 자동으로 새로 고쳐집니다.",
      partnerSaid: function (partnerName) {
        return (partnerName || "업체") + "에서 남긴 말";
      },
      soon: "곧 마감됩니다",
      secondsLeft: function (seconds) {
        return seconds + "초 남음";
      },
      minutesLeft: function (minutes) {
        return "약 " + minutes + "분 남음";
      },
      unknownRequest: "문의를 찾을 수 없습니다. 주소가 정확한지 확인하거나 새로 문의해 주세요.",
      unknownRequestShort: "문의를 찾을 수 없습니다.",
      retrying: " 자동으로 다시 확인합니다.",
      noticeLate: "안내 메시지가 늦어지고 있습니다. 잠시 후 이 화면을 새로 고쳐 주세요.",
      call: function (phone) {
        return "급한 일은 고객센터 " + phone + "로 전화해 주세요.";
      },
      // The customer's answer to a proposed time (issue 12); `events` are the timeline lines per event
      // type (handlers/models/reply.py::REPLY_EVENTS, checked by tests/unit/test_messages.py).
      reply: {
        choices: { confirm: "이 시간으로 확정", decline: "다른 시간이 필요해요" },
        events: {
          CustomerConfirmed: "제안된 시간으로 확정한다고 업체에 전했습니다.",
          CustomerDeclined: "다른 시간이 필요하다고 업체에 전했습니다. 원하시는 시간을 새 문의로 남겨 주세요.",
        },
        lead: function (when, until) {
          return "업체가 제안한 시간은 " + when + "입니다. " + until + "까지 답해 주시면 업체에 문자로 전해 드립니다.";
        },
        waiting: function (until) {
          return "제안된 시간에 답해 주세요. " + until + "까지 답할 수 있습니다.";
        },
        closed: "답할 수 있는 시간이 지났습니다. 필요하시면 새 문의를 남겨 주세요.",
        verifyFirst: "답하시려면 먼저 휴대폰 인증을 해 주세요.",
        phoneMissing: "예약할 때 남긴 휴대폰 번호를 입력해 주세요.",
        codeSent: "인증번호를 보냈습니다. 문자로 받은 6자리 숫자를 입력해 주세요.",
        codeDigits: "인증번호 6자리 숫자를 입력해 주세요.",
        sending: "보내는 중…",
      },
      smsPromise: "답변이 오면 문자로도 알려 드립니다.",
      askTitle: "예약 문의 · ",
      trackTitle: "문의 진행 상황 · ",
    },

    errors: {
      0: "네트워크에 연결할 수 없습니다. 연결 상태를 확인한 뒤 다시 시도해 주세요.",
      429: "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
      500: "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
      503: "서비스를 잠시 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    },

    // Times: "12월 5일 (토) 오후 3:00" everywhere (common.js builds it in Korea time).
    monthDay: function (month, day, weekday) {
      return month + "월 " + day + "일 (" + weekday + ")";
    },
    weekdays: "일월화수목금토",
    am: "오전",
    pm: "오후",
  };
})();
