// Every word the operator console (/admin/) shows, beside the pages' catalogue (/words.js, loaded first):
// statuses, timeline events and every sentence admin.js writes. Kept apart so the customer's and the
// partner's pages do not download the console's words.
(function () {
  "use strict";

  Object.assign(window.PartnerConfirmWords, {
    statuses: {
      Created: "접수",
      SMSSent: "문자 발송",
      Opened: "업체 열람",
      Responded: "응답 완료",
      Timeout: "시간 초과",
      Failed: "실패",
      Closed: "운영자 종료",
    },
    events: {
      Created: "문의 접수",
      SMSSent: "업체에 확인 문자 발송",
      Opened: "업체가 링크를 열어 봄",
      Responded: "업체 답변",
      Timeout: "답변 시간 초과",
      Failed: "처리 실패",
      Closed: "운영자가 종료",
      LinkResent: "링크를 다시 보냄",
      AnsweredByOperator: "운영자가 업체 대신 답변",
      ClosedByOperator: "운영자가 메모와 함께 종료",
      PhoneRevealed: "전화번호 확인",
      CustomerConfirmed: "고객이 제안 시간으로 확정",
      CustomerDeclined: "고객이 다른 시간을 요청",
      NotificationReady: "고객 안내 메시지 작성",
    },
    operator: {
      title: "운영 콘솔 · ",
      signingIn: "로그인하는 중…",
      signIn: "로그인",
      required: { username: "이메일을 입력해 주세요.", password: "비밀번호를 입력해 주세요.", answer: "입력해 주세요." },
      challenges: {
        SOFTWARE_TOKEN_MFA: { text: "인증 앱에 표시된 6자리 코드를 입력해 주세요.", label: "인증 코드" },
        MFA_SETUP: {
          text: "처음 로그인하셨습니다. 인증 앱에 아래 키를 등록한 뒤, 앱에 표시된 6자리 코드를 입력해 주세요.",
          label: "인증 코드",
        },
        NEW_PASSWORD_REQUIRED: {
          text: "처음 로그인하셨습니다. 앞으로 쓸 새 비밀번호를 정해 주세요(12자 이상, 영문 대문자·소문자·숫자를 모두 넣어).",
          label: "새 비밀번호",
        },
      },
      noAuthModule: "로그인 기능을 불러오지 못했습니다. 잠시 후 이 화면을 새로 고쳐 주세요.",
      expired: "로그인이 만료되었습니다. 다시 로그인해 주세요.",
      signedOut: "로그아웃했습니다.",
      forbidden: "이 계정에는 운영자 권한이 없습니다. 관리자에게 operators 그룹에 추가해 달라고 요청해 주세요.",
      signedInAs: function (name) {
        return name + " 님";
      },
      updated: function (clock) {
        return "마지막 갱신 " + clock + " · 10초마다 자동으로 새로 고칩니다.";
      },
      refreshing: "새로 고치는 중…",
      refreshFailed: function (message) {
        return "최신 내용을 불러오지 못했습니다. " + message + " 자동으로 다시 시도합니다.";
      },
      loadFailed: function (message) {
        return "목록을 불러오지 못했습니다. " + message + " 자동으로 다시 시도합니다.";
      },
      empty: {
        open: "지금 답변을 기다리는 문의가 없습니다. 새 문의가 들어오면 여기에 바로 나타납니다.",
        Responded: "아직 업체가 답변한 문의가 없습니다.",
        Timeout: "시간 초과된 문의가 없습니다.",
        Failed: "처리에 실패한 문의가 없습니다.",
        Closed: "운영자가 종료한 문의가 없습니다.",
      },
      recent: function (timeouts, failures) {
        var parts = [];
        if (timeouts) parts.push("시간 초과 " + timeouts + "건");
        if (failures) parts.push("실패 " + failures + "건");
        return "최근 24시간: " + parts.join(", ") + ". 고객에게 전화가 필요한지 확인해 주세요.";
      },
      recentBadge: "24시간 내",
      recentCount: function (count) {
        return "최근 24시간 " + count + "건";
      },
      rows: function (count) {
        return count + "건";
      },
      more: "더 보기",
      noPartner: "확인 전",
      secondsLeft: function (minutes, seconds) {
        return (minutes ? minutes + "분 " : "") + seconds + "초 남음";
      },
      deadlinePassed: "마감 지남",
      noDeadline: "-",
      ago: function (seconds) {
        if (seconds < 60) return "방금 전";
        if (seconds < 3600) return Math.floor(seconds / 60) + "분 전";
        if (seconds < 86400) return Math.floor(seconds / 3600) + "시간 전";
        return Math.floor(seconds / 86400) + "일 전";
      },
      openRequest: function (number) {
        return "예약번호 " + number + " 문의 열기";
      },
      drawerTitle: function (number) {
        return "예약번호 " + number;
      },
      drawerLoading: "문의를 불러오는 중…",
      drawerFailed: function (message) {
        return "문의를 불러오지 못했습니다. " + message;
      },
      notFound: "이 문의를 찾을 수 없습니다. 목록을 새로 고쳐 주세요.",
      reveal: "번호 보기",
      revealing: "확인하는 중…",
      revealFailed: function (message) {
        return "번호를 불러오지 못했습니다. " + message;
      },
      revealed: function (who, phone) {
        return (who === "customer" ? "고객" : "업체") + " 전화번호 " + phone + ". 확인 기록이 남았습니다.";
      },
      by: function (name) {
        return "처리: " + name;
      },
      revealedWho: { customer: "고객 번호", partner: "업체 번호" },
      noNotification: "아직 고객 안내 메시지가 없습니다.",
      sources: { model: "언어 모델이 작성", template: "기본 문구", operator: "운영자 메모" },
      noEvents: "기록이 없습니다.",
      noAttempts: "보낸 문자가 없습니다.",
      attemptKinds: { link: "확인 링크", resend: "링크 재발송", code: "인증번호", customer: "고객 안내" },
      attemptOutcomes: { sent: "보냄", uncertain: "확인 안 됨(도착했을 수 있음)", failed: "보내지 못함" },
      noActions: "이 문의는 이미 끝나 조치할 수 없습니다. 고객에게 연락이 필요하면 번호 보기로 전화번호를 확인해 주세요.",
      actions: {
        "resend-link": {
          title: "링크 다시 보내기",
          describe: function (phone) {
            return "업체(" + phone + ")에 새 확인 링크를 문자로 보냅니다. 이전에 보낸 링크는 바로 쓸 수 없게 됩니다.";
          },
          confirm: "새 링크 보내기",
          done: "업체에 새 링크를 보냈습니다. 이전 링크는 더 이상 쓸 수 없습니다.",
        },
        answer: {
          title: "업체 대신 답변",
          describe: function () {
            return "업체가 전화로 알려 준 답변을 대신 보냅니다. 고객은 업체가 답한 것과 같은 안내를 받습니다.";
          },
          confirmText: function (label, when) {
            return "보낼 답변: ‘" + label + "’" + (when ? " · " + when : "") + ". 보낸 뒤에는 바꿀 수 없습니다.";
          },
          confirm: "답변 보내기",
          done: "업체 대신 답변을 보냈습니다. 고객에게 안내됩니다.",
        },
        close: {
          title: "메모 남기고 종료",
          describe: function () {
            return "문의를 종료하고 고객에게 아래 메모를 안내합니다. 고객이 그대로 읽는 글입니다.";
          },
          confirmText: function () {
            return "이 메모와 함께 문의를 종료합니다. 종료한 문의는 다시 열 수 없습니다.";
          },
          confirm: "종료하기",
          done: "문의를 종료했습니다. 고객에게 메모를 안내합니다.",
        },
      },
      next: "다음",
      back: "뒤로",
      sending: "보내는 중…",
      pickAnswer: "보낼 답변을 골라 주세요.",
      pickTime: "제안할 날짜와 시간을 선택해 주세요.",
      timeInPast: "지금보다 이후의 날짜와 시간을 선택해 주세요.",
      noteRequired: "고객에게 안내할 메모를 입력해 주세요.",
      noteRequiredAnswer: "누가 어떻게 답변을 알려 왔는지 메모를 남겨 주세요.",
      noteLabels: { answer: "메모 (운영 기록용)", close: "고객에게 안내할 메모" },
      noteHints: {
        answer: "고객에게는 보이지 않습니다. 예: 업체 사장님이 전화로 수락.",
        close: function (max) {
          return "고객이 안내 메시지로 그대로 읽습니다. " + max + "자까지.";
        },
      },
      noteTooLong: function (count, max) {
        return max + "자까지 쓸 수 있습니다. 지금 " + count + "자입니다.";
      },
      refused: {
        NOT_WAITING: "업체의 답변을 기다리는 시간이 이미 끝났습니다. 목록을 새로 고쳐 상태를 확인해 주세요.",
        ALREADY_ENDED: "이미 끝난 문의입니다. 목록을 새로 고쳐 상태를 확인해 주세요.",
      },
      partners: {
        empty: function (days) {
          return "최근 " + days + "일 동안 문의를 받은 업체가 없습니다.";
        },
        loadFailed: function (message) {
          return "업체 현황을 불러오지 못했습니다. " + message + " 자동으로 다시 시도합니다.";
        },
        none: "-",
        rate: function (rate) {
          return Math.round(rate * 100) + "%";
        },
        duration: function (seconds) {
          if (seconds < 60) return Math.round(seconds) + "초";
          var minutes = Math.floor(seconds / 60);
          var rest = Math.round(seconds % 60);
          return minutes + "분" + (rest ? " " + rest + "초" : "");
        },
        sorted: function (column, ascending) {
          return column + " 기준 " + (ascending ? "오름차순" : "내림차순") + "으로 정렬했습니다.";
        },
      },
    },
  });
})();
