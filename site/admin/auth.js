// The operator console's sign-in: Cognito's JSON API called with fetch (no SDK, no client secret: the app
// client is public), the same flow on AWS and on the local runtime. Plain script (no modules): it sets
// window.PartnerConfirmAuth. Settings come from /config.js:
//   window.PARTNER_CONFIRM_CONFIG.console = {region, userPoolId, clientId, cognitoEndpoint}
//
// API (every async function resolves or rejects with a SignInError carrying a Korean .message):
//   signIn(username, password) -> {state: "signedIn"} | {state: "mfa"} | {state: "newPassword"}
//                                 | {state: "mfaSetup", secret, otpauthUri}
//   answerMfa(code)            -> the same states: the 6-digit code of the operator's TOTP app
//   setNewPassword(password)   -> the same states: the first sign-in with a temporary password
//   setUpMfa(code)             -> the same states: the first code of the app just set up with `secret`
//   accessToken()              -> the access token, refreshed when it has less than a minute left;
//                                 null when signed out or the refresh was refused (sign in again)
//   currentUser()              -> {username, groups} from the stored token, or null (synchronous)
//   isOperator()               -> whether the signed-in user is in the group `operators` (synchronous)
//   signOut()                  -> forgets the tokens and signs out of every session (GlobalSignOut)
//   authorizedFetch(url, init) -> fetch with `Authorization: Bearer <access token>`; on a 401 it refreshes
//                                 once and retries; a second 401 signs out. Resolves to the Response.
// Tokens live in sessionStorage (gone with the tab), never in localStorage or cookies.
(function () {
  "use strict";

  var STORAGE_KEY = "partnerConfirm.console";
  var OPERATORS_GROUP = "operators";
  var REFRESH_MARGIN_MS = 60 * 1000;
  var TARGET = "AWSCognitoIdentityProviderService.";

  var MESSAGES = {
    NotAuthorizedException: "이메일 또는 비밀번호가 맞지 않습니다.",
    UserNotFoundException: "이메일 또는 비밀번호가 맞지 않습니다.",
    CodeMismatchException: "인증 앱의 6자리 코드가 맞지 않습니다. 앱에 지금 보이는 코드를 입력해 주세요.",
    EnableSoftwareTokenMFAException: "인증 앱의 6자리 코드가 맞지 않습니다. 앱에 지금 보이는 코드를 입력해 주세요.",
    ExpiredCodeException: "코드의 유효 시간이 지났습니다. 앱에 지금 보이는 코드를 입력해 주세요.",
    InvalidPasswordException:
      "새 비밀번호가 규칙에 맞지 않습니다. 12자 이상으로, 영문 대문자와 소문자, 숫자를 모두 넣어 주세요.",
    PasswordResetRequiredException: "비밀번호를 다시 정해야 합니다. 관리자에게 문의해 주세요.",
    UserNotConfirmedException: "아직 사용할 수 없는 계정입니다. 관리자에게 문의해 주세요.",
    TooManyRequestsException: "시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.",
    TooManyFailedAttemptsException: "시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.",
    LimitExceededException: "시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.",
    InvalidParameterException: "입력한 값을 확인해 주세요.",
    SESSION_EXPIRED: "로그인 시간이 지났습니다. 처음부터 다시 로그인해 주세요.",
    NETWORK: "로그인 서버에 연결할 수 없습니다. 네트워크를 확인하고 다시 시도해 주세요.",
    NOT_CONFIGURED: "로그인 설정을 읽을 수 없습니다(config.js). 잠시 후 새로고침해 주세요.",
    UNSUPPORTED_CHALLENGE: "이 화면에서 지원하지 않는 로그인 단계입니다. 관리자에게 문의해 주세요.",
    INPUT_REQUIRED: "이메일과 비밀번호를 입력해 주세요.",
    CODE_FORMAT: "인증 앱의 6자리 숫자를 입력해 주세요.",
    UNKNOWN: "로그인하지 못했습니다. 잠시 후 다시 시도해 주세요.",
  };

  function SignInError(code, message) {
    this.name = "SignInError";
    this.code = code;
    this.message = message || MESSAGES[code] || MESSAGES.UNKNOWN;
  }
  SignInError.prototype = Object.create(Error.prototype);
  SignInError.prototype.constructor = SignInError;

  function settings() {
    var console_ = (window.PARTNER_CONFIRM_CONFIG || {}).console;
    if (!console_ || !console_.clientId || !console_.cognitoEndpoint) throw new SignInError("NOT_CONFIGURED");
    return console_;
  }

  // One call of Cognito's JSON API. Unsigned: these operations need no AWS credentials.
  async function call(operation, body) {
    var endpoint = settings().cognitoEndpoint;
    var response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + operation },
        body: JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
    } catch (error) {
      throw new SignInError("NETWORK");
    }
    var data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    if (!response.ok) {
      var type = String(data.__type || data.code || "").split("#").pop();
      throw new SignInError(type || "UNKNOWN");
    }
    return data;
  }

  function base64UrlJson(part) {
    var text = part.replace(/-/g, "+").replace(/_/g, "/");
    while (text.length % 4) text += "=";
    var bytes = Uint8Array.from(atob(text), function (c) {
      return c.charCodeAt(0);
    });
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  // The token's claims, read without checking the signature: only for showing who is signed in and
  // whether they are an operator. The API's authorizer checks the token itself.
  function claims(token) {
    try {
      return base64UrlJson(String(token).split(".")[1]);
    } catch (error) {
      return null;
    }
  }

  function load() {
    try {
      var stored = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      return stored && stored.accessToken ? stored : null;
    } catch (error) {
      return null;
    }
  }

  function save(result, previous) {
    var tokens = {
      accessToken: result.AccessToken,
      idToken: result.IdToken || (previous && previous.idToken) || null,
      // A refresh answers without a new refresh token: keep the one that still works.
      refreshToken: result.RefreshToken || (previous && previous.refreshToken) || null,
      expiresAt: Date.now() + Number(result.ExpiresIn || 3600) * 1000,
    };
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
    return tokens;
  }

  function forget() {
    pending = null;
    window.sessionStorage.removeItem(STORAGE_KEY);
  }

  // The challenge being answered: {name, session, username}. Kept in memory only.
  var pending = null;

  function otpauthUri(secret, username) {
    var config = window.PARTNER_CONFIRM_CONFIG || {};
    var issuer = String(config.brandName || "partner-confirm") + " 운영 콘솔";
    return (
      "otpauth://totp/" +
      encodeURIComponent(issuer + ":" + username) +
      "?secret=" +
      encodeURIComponent(secret) +
      "&issuer=" +
      encodeURIComponent(issuer)
    );
  }

  async function outcome(data, username) {
    if (data.AuthenticationResult) {
      pending = null;
      save(data.AuthenticationResult, null);
      return { state: "signedIn" };
    }
    var name = data.ChallengeName;
    var who = (data.ChallengeParameters && data.ChallengeParameters.USER_ID_FOR_SRP) || username;
    pending = { name: name, session: data.Session, username: who };
    if (name === "SOFTWARE_TOKEN_MFA") return { state: "mfa" };
    if (name === "NEW_PASSWORD_REQUIRED") return { state: "newPassword" };
    if (name === "MFA_SETUP") {
      var association = await call("AssociateSoftwareToken", { Session: data.Session });
      pending.session = association.Session || data.Session;
      return {
        state: "mfaSetup",
        secret: association.SecretCode,
        otpauthUri: otpauthUri(association.SecretCode, username),
      };
    }
    pending = null;
    throw new SignInError("UNSUPPORTED_CHALLENGE");
  }

  function expecting(name) {
    if (!pending || pending.name !== name) throw new SignInError("SESSION_EXPIRED");
    return pending;
  }

  async function respond(step, responses) {
    try {
      return await call("RespondToAuthChallenge", {
        ChallengeName: step.name,
        ClientId: settings().clientId,
        Session: step.session,
        ChallengeResponses: Object.assign({ USERNAME: step.username }, responses),
      });
    } catch (error) {
      // A challenge's session lives 3 minutes: after that only a new sign-in helps.
      if (error.code === "NotAuthorizedException" || error.code === "ResourceNotFoundException") {
        pending = null;
        throw new SignInError("SESSION_EXPIRED");
      }
      throw error;
    }
  }

  function sixDigits(code) {
    var digits = String(code || "").replace(/\s+/g, "");
    if (!/^\d{6}$/.test(digits)) throw new SignInError("CODE_FORMAT");
    return digits;
  }

  async function signIn(username, password) {
    var name = String(username || "").trim();
    if (!name || !password) throw new SignInError("INPUT_REQUIRED");
    forget();
    var data = await call("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: settings().clientId,
      AuthParameters: { USERNAME: name, PASSWORD: String(password) },
    });
    return outcome(data, name);
  }

  async function answerMfa(code) {
    var step = expecting("SOFTWARE_TOKEN_MFA");
    var data = await respond(step, { SOFTWARE_TOKEN_MFA_CODE: sixDigits(code) });
    return outcome(data, step.username);
  }

  async function setNewPassword(password) {
    var step = expecting("NEW_PASSWORD_REQUIRED");
    if (!password) throw new SignInError("INPUT_REQUIRED");
    var data = await respond(step, { NEW_PASSWORD: String(password) });
    return outcome(data, step.username);
  }

  async function setUpMfa(code) {
    var step = expecting("MFA_SETUP");
    var verified;
    try {
      verified = await call("VerifySoftwareToken", {
        Session: step.session,
        UserCode: sixDigits(code),
        FriendlyDeviceName: "operator console",
      });
    } catch (error) {
      if (error.code === "NotAuthorizedException" || error.code === "ResourceNotFoundException") {
        pending = null;
        throw new SignInError("SESSION_EXPIRED");
      }
      throw error;
    }
    step.session = verified.Session || step.session;
    var data = await respond(step, {});
    return outcome(data, step.username);
  }

  var refreshing = null;

  async function refresh(stored) {
    if (!stored.refreshToken) {
      forget();
      return null;
    }
    try {
      var data = await call("InitiateAuth", {
        AuthFlow: "REFRESH_TOKEN_AUTH",
        ClientId: settings().clientId,
        AuthParameters: { REFRESH_TOKEN: stored.refreshToken },
      });
      return save(data.AuthenticationResult, stored).accessToken;
    } catch (error) {
      if (error.code === "NETWORK") throw error; // offline: keep the session, try again later
      forget(); // revoked, expired or signed out elsewhere
      return null;
    }
  }

  // `force`: refresh even when the token looks fresh (the API refused it).
  async function accessToken(force) {
    var stored = load();
    if (!stored) return null;
    if (!force && stored.expiresAt - Date.now() > REFRESH_MARGIN_MS) return stored.accessToken;
    if (!refreshing) {
      refreshing = refresh(stored).finally(function () {
        refreshing = null;
      });
    }
    return refreshing;
  }

  function currentUser() {
    var stored = load();
    var payload = stored && claims(stored.accessToken);
    if (!payload) return null;
    var groups = payload["cognito:groups"];
    return {
      username: String(payload.username || ""),
      groups: Array.isArray(groups) ? groups.map(String) : groups ? [String(groups)] : [],
    };
  }

  function isOperator() {
    var user = currentUser();
    return Boolean(user && user.groups.indexOf(OPERATORS_GROUP) !== -1);
  }

  async function signOut() {
    var stored = load();
    forget();
    if (!stored) return;
    try {
      // Revokes the refresh token everywhere; an access token already issued lasts out its hour.
      await call("GlobalSignOut", { AccessToken: stored.accessToken });
    } catch (error) {
      // Signed out here either way: the tokens are gone from this tab.
    }
  }

  async function authorizedFetch(url, init) {
    async function attempt(token) {
      var options = Object.assign({}, init || {});
      options.headers = Object.assign({}, (init && init.headers) || {}, { Authorization: "Bearer " + token });
      return fetch(url, options);
    }
    var token = await accessToken(false);
    if (!token) throw new SignInError("SESSION_EXPIRED");
    var response = await attempt(token);
    if (response.status !== 401) return response;
    token = await accessToken(true);
    if (!token) throw new SignInError("SESSION_EXPIRED");
    response = await attempt(token);
    if (response.status === 401) await signOut();
    return response;
  }

  window.PartnerConfirmAuth = {
    signIn: signIn,
    answerMfa: answerMfa,
    setNewPassword: setNewPassword,
    setUpMfa: setUpMfa,
    accessToken: function () {
      return accessToken(false);
    },
    currentUser: currentUser,
    isOperator: isOperator,
    signOut: signOut,
    authorizedFetch: authorizedFetch,
    SignInError: SignInError,
    messages: MESSAGES,
  };
})();
