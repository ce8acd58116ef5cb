#include "sendflow/engine/people/auth.h"

#include <algorithm>

#include "sendflow/engine/core/input.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/forms/form_values.h"

namespace sendflow::engine {
namespace {

std::string toLower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

AuthService::AuthService(PeopleRepository& people, SessionRepository& sessions, Clock& clock,
                         RandomSource& random, AuthPolicy policy)
    : people_(people), sessions_(sessions), clock_(clock), random_(random), policy_(policy) {}

std::optional<Actor> AuthService::actorByEmail(const std::string& email) {
  auto u = people_.userByEmail(email);
  if (!u) return std::nullopt;
  return actorFor(*u);
}

Actor AuthService::actorFor(const User& u) {
  Actor a;
  a.userId = u.id;
  a.email = u.email;
  a.name = u.name;
  a.memberships = u.memberships;
  if (a.isTrustAdmin())
    for (const auto& ac : people_.academies()) a.allAcademyIds.push_back(ac.id);
  return a;
}

Result<LoginResult> AuthService::login(const std::string& email, const std::string& password,
                                       const std::string& ip, const std::string& userAgent) {
  // A control character in the email is no account's and must not reach the log or the
  // throttle keys: refused before anything is looked up or counted.
  if (auto problem = textProblem(email, TextShape::kLine,
                                 TextArg::text("answer", Text(N_("The email address")))))
    return invalid(*problem, {fieldError("email", *problem)});
  const TimePoint now = clock_.now();
  const TimePoint since = now - policy_.failureWindow;
  const std::string normalised = toLower(email);
  const std::string accountKey = "email:" + normalised;
  const std::string ipKey = "ip:" + ip;
  const std::string sourceKey = accountKey + "|" + ipKey;

  // Counted before the password is checked, so parallel guesses cannot each slip under the limit.
  auto attempt = sessions_.beginAttempt({{sourceKey, policy_.maxFailuresPerAccountAndSource},
                                         {accountKey, policy_.maxFailuresPerAccount},
                                         {ipKey, policy_.maxFailuresPerIp}},
                                        since, now);
  if (!attempt.id) {
    auto retry = attempt.oldest ? std::chrono::duration_cast<std::chrono::seconds>(
                                      *attempt.oldest + policy_.failureWindow - now)
                                      .count()
                                : 60;
    return Error{ErrorCode::kTooManyRequests,
                 "Too many failed sign-in attempts. Wait a few minutes and try again.",
                 {},
                 static_cast<int>(std::max<int64_t>(retry, 1))};
  }

  auto user = people_.userByEmail(normalised);
  // Verify against a dummy hash when the account is unknown so timing does not reveal it.
  static const std::string kDummy =
      "scrypt$32768$8$1$c2VuZGZsb3ctZHVtbXk$QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE";
  bool ok = verifyPassword(password, user ? user->passwordHash : kDummy) && user && user->active;
  if (!ok) {
    std::optional<OutboxMessage> notice;
    if (user && user->active) {
      const int failures = sessions_.failuresSince(accountKey, since);
      if (failures >= policy_.notifyAfterFailures) notice = failureNotice(*user, failures, now);
    }
    sessions_.attemptFailed(attempt.id, user ? user->id : 0, notice);
    return Error{ErrorCode::kUnauthorized, "The email address or password is not right.", {}};
  }
  sessions_.attemptSucceeded(attempt.id, sourceKey);

  LoginResult out;
  out.sessionToken = newToken(random_);  // always new: no session fixation
  Session s;
  s.idHash = sha256Hex(out.sessionToken);
  s.userId = user->id;
  s.createdAt = now;
  s.lastSeenAt = now;
  s.ip = ip;
  s.userAgent = userAgent.substr(0, 300);
  sessions_.create(s);
  out.actor = actorFor(*user);
  return out;
}

OutboxMessage AuthService::failureNotice(const User& u, int failures, TimePoint now) const {
  // One per account per window: the outbox ignores a second message with the same key.
  const auto window = std::max<int64_t>(policy_.failureWindow.count(), 1);
  const int64_t bucket = toUnix(now) / window;
  OutboxMessage m;
  m.kind = mailkind::kSignInFailures;
  m.key = "sign_in_failures:" + std::to_string(u.id) + ":" + std::to_string(bucket);
  m.toAddress = u.email;
  m.toName = u.name;
  m.data = detailJson({{"recipient_name", u.name},
                       {"failures", failures},
                       {"minutes", static_cast<int>(policy_.failureWindow.count() / 60)}});
  m.createdAt = now;
  m.nextAttemptAt = now;
  return m;
}

Result<SessionContext> AuthService::resume(const std::string& sessionToken) {
  const Error unauthorised{ErrorCode::kUnauthorized, "Please sign in.", {}};
  if (sessionToken.empty() || sessionToken.size() > 100) return unauthorised;
  const std::string idHash = sha256Hex(sessionToken);
  auto s = sessions_.find(idHash);
  if (!s) return unauthorised;
  const TimePoint now = clock_.now();
  if (now - s->lastSeenAt > policy_.idleTimeout || now - s->createdAt > policy_.absoluteTimeout) {
    sessions_.remove(idHash);
    return Error{ErrorCode::kUnauthorized, "Your session has ended. Please sign in again.", {}};
  }
  auto user = people_.userById(s->userId);
  if (!user || !user->active) {
    sessions_.remove(idHash);
    return unauthorised;
  }
  // Touch at most once a minute to keep reads cheap.
  if (now - s->lastSeenAt >= std::chrono::minutes(1)) sessions_.touch(idHash, now);
  return SessionContext{actorFor(*user), idHash, csrfFor(sessionToken)};
}

void AuthService::removeExpiredSessions() {
  const auto now = clock_.now();
  sessions_.removeOlderThan(now - policy_.absoluteTimeout, now - policy_.idleTimeout);
}

void AuthService::logout(const std::string& sessionToken) {
  if (!sessionToken.empty()) sessions_.remove(sha256Hex(sessionToken));
}

EndSessions sessionsEndedBy(const User& before, const User& after, const std::string& actorRef,
                            const std::string& keepIdHash) {
  auto sorted = [](std::vector<Membership> m) {
    std::sort(m.begin(), m.end());
    return m;
  };
  std::string reason;
  if (before.passwordHash != after.passwordHash)
    reason = "password_changed";
  else if (before.active && !after.active)
    reason = "deactivated";
  else if (sorted(before.memberships) != sorted(after.memberships))
    reason = "roles_changed";
  if (reason.empty()) return {};
  const bool keep = !keepIdHash.empty() && after.active;
  return {true,
          keep ? keepIdHash : std::string(),
          {"user.sessions_ended", actorRef, "user", after.id, 0,
           detailJson({{"reason", reason}, {"kept_current", keep}})}};
}

Status AuthService::changePassword(const SessionContext& session,
                                   const std::string& currentPassword,
                                   const std::string& newPassword, const std::string& confirmation,
                                   const std::string& ip) {
  auto user = people_.userById(session.actor.userId);
  if (!user || !user->active) return Error{ErrorCode::kUnauthorized, "Please sign in.", {}};
  // The current password is guessed no faster here than at the sign-in form.
  const TimePoint now = clock_.now();
  const std::string accountKey = "email:" + toLower(user->email);
  const std::string sourceKey = accountKey + "|ip:" + ip;
  auto attempt = sessions_.beginAttempt({{sourceKey, policy_.maxFailuresPerAccountAndSource},
                                         {accountKey, policy_.maxFailuresPerAccount}},
                                        now - policy_.failureWindow, now);
  if (!attempt.id)
    return Error{ErrorCode::kTooManyRequests,
                 "Too many wrong passwords were entered. Wait a few minutes and try again.",
                 {},
                 static_cast<int>(policy_.failureWindow.count())};
  if (!verifyPassword(currentPassword, user->passwordHash)) {
    sessions_.attemptFailed(attempt.id, user->id, std::nullopt);
    return invalid("Check your current password",
                   {{"current_password", "Your current password is not right"}});
  }
  sessions_.attemptSucceeded(attempt.id, sourceKey);
  if (auto st = checkPasswordPolicy(newPassword); !st) {
    auto e = st.error();
    for (auto& f : e.fields) f.field = "new_password";
    return e;
  }
  if (newPassword != confirmation)
    return invalid("Type the same new password twice",
                   {{"confirm_password", "The two new passwords are not the same"}});
  if (newPassword == currentPassword)
    return invalid("Choose a password you have not used here",
                   {{"new_password", "The new password must differ from the current one"}});
  User updated = *user;
  updated.passwordHash = hashPassword(newPassword, random_);
  const std::string actor = "user:" + std::to_string(user->id);
  people_.updateUser(updated, {"user.password_change", actor, "user", user->id, 0, "{}"},
                     sessionsEndedBy(*user, updated, actor, session.idHash));
  return Ok{};
}

std::string AuthService::csrfFor(const std::string& sessionToken) {
  return base64Url(sha256Raw("sendflow-csrf:" + sessionToken));
}

bool AuthService::csrfMatches(const std::string& sessionToken, const std::string& presented) {
  return !sessionToken.empty() && constantTimeEquals(csrfFor(sessionToken), presented);
}

Status AuthService::checkPasswordPolicy(const std::string& password) {
  // Count code points, not bytes: "length over complexity" (NCSC).
  if (utf8::countLenient(password) < kMinPasswordLength)
    return invalid("Choose a longer password",
                   {{"password", "The password must be at least 12 characters long"}});
  if (password.size() > 1024)
    return invalid("Choose a shorter password",
                   {{"password", "The password must be at most 1024 bytes long"}});
  return Ok{};
}

}  // namespace sendflow::engine
